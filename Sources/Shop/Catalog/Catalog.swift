import Foundation
import Store
import Synchronization

/// A page of products.
public struct ProductPage: Encodable, Sendable {
    public var items: [Product]
    public var nextCursor: String?

    private enum CodingKeys: String, CodingKey { case items, nextCursor }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(items, forKey: .items)
        try container.encode(nextCursor, forKey: .nextCursor)  // null when there is no next page
    }
}

/// The products: details searched in memory, stock kept in the store (where orders decrement it).
public final class Catalog: Sendable {
    static let table = "products"
    public static let maximumPageSize = 100

    private let store: any DocumentStore
    private let index = Mutex(CatalogIndex([]))

    init(store: any DocumentStore) {
        self.store = store
    }

    /// Creates the products table, filling it with `seed()` on first start, and builds the search index.
    func prepare(seed: () -> [Product]) async throws(StoreError) {
        try await store.ensureTable(TableSchema(name: Self.table, partitionKey: KeyAttribute("id", .string)))
        if try await store.scan(Self.table, ScanRequest(limit: 1)).items.isEmpty {
            let products = seed()
            var start = 0
            while start < products.count {
                let batch = products[start..<min(start + 100, products.count)]
                try await store.transactWrite(batch.map { .put(table: Self.table, item: Self.item($0), condition: nil) })
                start += 100
            }
        }
        var loaded: [Product] = []
        var cursor: PageCursor?
        repeat {
            let page = try await store.scan(Self.table, ScanRequest(startAfter: cursor))
            loaded += page.items.compactMap(Self.product)
            cursor = page.nextCursor
        } while cursor != nil
        index.withLock { $0 = CatalogIndex(loaded) }
    }

    static func item(_ product: Product) -> Item {
        StoredDocument.item(product, keys: ["id": .string(product.id)], native: ["stock": .number(product.stock)])
    }

    static func product(_ item: Item) -> Product? {
        guard var product = StoredDocument.decode(Product.self, from: item) else { return nil }
        if let stock = item["stock"]?.int64Value { product.stock = Int(stock) }
        return product
    }

    /// Whether a product with this id exists.
    public func exists(_ id: String) -> Bool {
        index.withLock { $0.product(id) != nil }
    }

    /// A product's details without a store read (price and name do not change while running).
    public func details(_ id: String) -> Product? {
        index.withLock { $0.product(id) }
    }

    public var count: Int { index.withLock { $0.products.count } }

    /// Every product's details, in id order.
    public var all: [Product] { index.withLock { $0.products } }

    /// A product with its current stock; `notFound` when there is none.
    public func product(_ id: String) async throws(ShopError) -> Product {
        guard var product = details(id) else { throw ShopError.notFound("no product \(id)") }
        let item: Item?
        do {
            item = try await store.get(Self.table, key: ["id": .string(id)])
        } catch {
            throw ShopError.storage(error)
        }
        guard let stock = item?["stock"]?.int64Value else { throw ShopError.notFound("no product \(id)") }
        product.stock = Int(stock)
        return product
    }

    /// Products matching `query` (every word, in name, category, tags or description) and `category`.
    public func list(query: String?, category: String?, limit: Int?, cursor: String?) async throws(ShopError) -> ProductPage {
        let size = limit ?? 20
        guard (1...Self.maximumPageSize).contains(size) else { throw ShopError.invalid("limit must be 1 to \(Self.maximumPageSize)") }
        if let query, query.utf8.count > 200 { throw ShopError.invalid("q must be at most 200 characters") }
        var after: String?
        if let cursor {
            guard let decoded = Self.decodeCursor(cursor) else { throw ShopError(.malformed, "the cursor is malformed; pass back nextCursor as given") }
            after = decoded
        }
        let (page, more) = index.withLock { $0.search(query: query, category: category, after: after, limit: size) }
        var products = page
        if !products.isEmpty {
            do {
                let items = try await store.transactGet(products.map { (table: Self.table, key: ["id": .string($0.id)] as Item) })
                for (offset, item) in items.enumerated() {
                    if let stock = item?["stock"]?.int64Value { products[offset].stock = Int(stock) }
                }
            } catch {
                throw ShopError.storage(error)
            }
        }
        return ProductPage(items: products, nextCursor: more ? products.last.map { Self.encodeCursor($0.id) } : nil)
    }

    /// Sets a product's stock (a restock by an operator).
    public func setStock(_ id: String, to stock: Int) async throws(ShopError) {
        guard exists(id) else { throw ShopError.notFound("no product \(id)") }
        guard (0...1_000_000_000).contains(stock) else { throw ShopError.invalid("stock must be 0 to 1000000000") }
        do {
            _ = try await store.update(Self.table, key: ["id": .string(id)], UpdateExpression().set("stock", .number(stock)))
        } catch {
            throw ShopError.storage(error)
        }
    }

    static func encodeCursor(_ id: String) -> String {
        TokenSigner.base64URL(Array("after:\(id)".utf8))
    }

    static func decodeCursor(_ cursor: String) -> String? {
        guard cursor.utf8.count <= 200, let bytes = TokenSigner.decodeBase64URL(Substring(cursor)) else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        guard text.hasPrefix("after:"), text.count > 6 else { return nil }
        return String(text.dropFirst(6))
    }
}
