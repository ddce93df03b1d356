import Foundation
import Store
import Telemetry

/// A cart as the API shows it.
public struct Cart: Encodable, Sendable, Equatable {
    public var items: [OrderLine]
    public var total: Int
}

/// Shopping carts, one per user, in the store.
public final class Carts: Sendable {
    static let table = "carts"
    public static let maximumLines = 20
    public static let maximumQuantity = 10

    private struct Stored: Codable {
        var lines: [String: Int]
    }

    private let store: any DocumentStore
    private let catalog: Catalog
    private let clock: any WallClock
    /// Told of every add, to count it for the recommendation that showed the product.
    private let attribution: RecommendationAttribution

    init(store: any DocumentStore, catalog: Catalog, clock: any WallClock, attribution: RecommendationAttribution) {
        self.store = store
        self.catalog = catalog
        self.clock = clock
        self.attribution = attribution
    }

    func prepare() async throws(StoreError) {
        try await store.ensureTable(TableSchema(name: Self.table, partitionKey: KeyAttribute("userId", .string)))
    }

    public func cart(_ userId: String) async throws(ShopError) -> Cart {
        priced(try await lines(userId))
    }

    /// Adds `quantity` of a product (lines merge); `notFound` for an unknown product, `invalid` past the limits.
    public func add(_ userId: String, productId: String, quantity: Int) async throws(ShopError) -> Cart {
        guard catalog.exists(productId) else { throw ShopError.notFound("no product \(productId)") }
        guard (1...Self.maximumQuantity).contains(quantity) else { throw ShopError.invalid("quantity must be 1 to \(Self.maximumQuantity)") }
        var current = try await lines(userId)
        let merged = (current[productId] ?? 0) + quantity
        guard merged <= Self.maximumQuantity else { throw ShopError.invalid("at most \(Self.maximumQuantity) of one product per cart") }
        guard current[productId] != nil || current.count < Self.maximumLines else {
            throw ShopError.invalid("a cart holds at most \(Self.maximumLines) different products")
        }
        current[productId] = merged
        try await save(userId, current)
        attribution.addedToCart(userId: userId, productId: productId, at: clock.now().timeIntervalSince1970)
        return priced(current)
    }

    public func remove(_ userId: String, productId: String) async throws(ShopError) -> Cart {
        var current = try await lines(userId)
        guard current.removeValue(forKey: productId) != nil else { throw ShopError.notFound("product \(productId) is not in the cart") }
        try await save(userId, current)
        return priced(current)
    }

    public func clear(_ userId: String) async throws(ShopError) {
        do {
            _ = try await store.delete(Self.table, key: ["userId": .string(userId)])
        } catch {
            throw ShopError.storage(error)
        }
    }

    /// The cart's lines as product → quantity.
    func lines(_ userId: String) async throws(ShopError) -> [String: Int] {
        do {
            let item = try await store.get(Self.table, key: ["userId": .string(userId)])
            return item.flatMap { StoredDocument.decode(Stored.self, from: $0) }?.lines ?? [:]
        } catch {
            throw ShopError.storage(error)
        }
    }

    private func save(_ userId: String, _ lines: [String: Int]) async throws(ShopError) {
        do {
            _ = try await store.put(Self.table, StoredDocument.item(Stored(lines: lines), keys: ["userId": .string(userId)]))
        } catch {
            throw ShopError.storage(error)
        }
    }

    func priced(_ lines: [String: Int]) -> Cart {
        let items = lines.keys.sorted(by: Product.idOrder).compactMap { id -> OrderLine? in
            guard let product = catalog.details(id), let quantity = lines[id] else { return nil }
            return OrderLine(productId: id, quantity: quantity, price: product.price)
        }
        return Cart(items: items, total: items.reduce(0) { $0 + $1.price * $1.quantity })
    }
}
