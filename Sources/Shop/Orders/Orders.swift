import Addressing
import Broker
import Foundation
import Hashing
import Store
import Telemetry

/// Placing and reading orders. Placing one records it `pending` together with its idempotency key in one
/// transaction, then publishes `order-placed`; the checkout saga takes it from there.
public final class Orders: Sendable {
    static let table = "orders"
    static let keysTable = "order-keys"
    static let topic = "orders"

    private let store: any DocumentStore
    private let broker: any MessageBroker
    private let catalog: Catalog
    private let carts: Carts
    private let clock: any WallClock
    private let accepted: Counter
    /// How long an order and its `Idempotency-Key` are kept.
    private let retention: DataRetention
    /// Where each order's address is noted, and later how checkout ended it, for the dossier.
    private let activity: AddressActivity?

    init(store: any DocumentStore, broker: any MessageBroker, catalog: Catalog, carts: Carts, clock: any WallClock, metrics: MetricsRegistry, retention: DataRetention,
         activity: AddressActivity? = nil) {
        self.activity = activity
        self.store = store
        self.broker = broker
        self.catalog = catalog
        self.carts = carts
        self.clock = clock
        self.retention = retention
        accepted = metrics.counter("shopdeck_orders_accepted_total", help: "Orders accepted (202)")
    }

    func prepare() async throws(StoreError) {
        try await store.ensureTable(TableSchema(name: Self.table, partitionKey: KeyAttribute("userId", .string),
                                                sortKey: KeyAttribute("orderId", .string), timeToLiveAttribute: DataRetention.attribute))
        try await store.ensureTable(TableSchema(name: Self.keysTable, partitionKey: KeyAttribute("key", .string),
                                                timeToLiveAttribute: DataRetention.attribute))
    }

    /// What a client asks to buy.
    public struct Request: Decodable, Sendable {
        public struct Line: Decodable, Sendable {
            public var productId: String
            public var quantity: Int

            public init(productId: String, quantity: Int) {
                self.productId = productId
                self.quantity = quantity
            }
        }
        public var items: [Line]?

        public init(items: [Line]?) {
            self.items = items
        }
    }

    /// Places an order from `lines` (or the cart when nil) under `idempotencyKey`. A key is bound to the
    /// request it came with — these lines, or "the cart" — so a replay of the same request answers the
    /// original order whatever the cart holds now (the retry keys exist for), and the same key with another
    /// request is `invalid`.
    /// `clientIP` is where the request came from, noted for the address's dossier.
    public func place(userId: String, idempotencyKey: String, lines requested: [Request.Line]?, from clientIP: IPAddress? = nil) async throws(ShopError) -> Order {
        guard (1...128).contains(idempotencyKey.utf8.count), idempotencyKey.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw ShopError.invalid("Idempotency-Key must be 1 to 128 visible ASCII characters")
        }
        let fromCart = requested == nil
        let requestedQuantities = try requested.map { lines throws(ShopError) in try Self.merge(lines) }
        let fingerprint = Self.fingerprint(requestedQuantities)
        let keyID = "\(userId)|\(idempotencyKey)"
        if let existing = try await orderFor(key: keyID, userId: userId, fingerprint: fingerprint) { return existing }

        let quantities: [String: Int]
        if let requestedQuantities {
            quantities = requestedQuantities
        } else {
            quantities = try await carts.lines(userId)
            guard !quantities.isEmpty else { throw ShopError.invalid("the cart is empty; add items or send {\"items\":[…]}") }
        }
        var lines: [OrderLine] = []
        for (id, quantity) in quantities.sorted(by: { Product.idOrder($0.key, $1.key) }) {
            guard let product = catalog.details(id) else { throw ShopError.invalid("no product \(id)") }
            lines.append(OrderLine(productId: id, quantity: quantity, price: product.price))
        }

        let now = clock.now()
        let millis = Int64((now.timeIntervalSince1970 * 1000).rounded(.down))
        let orderId = "o-" + String(millis, radix: 36) + "-" + ((try? SecureRandom.hexToken(byteCount: 5)) ?? String(Int.random(in: 0..<1_000_000)))
        let stored = StoredOrder(orderId: orderId, userId: userId, items: lines, total: lines.reduce(0) { $0 + $1.price * $1.quantity },
                                 createdAt: Date(timeIntervalSince1970: Double(millis) / 1000))
        var actions: [TransactionAction] = [
            .put(table: Self.table, item: stored.attributes.merging(["userId": .string(userId), "orderId": .string(orderId), "status": "pending"]) { $1 }
                    .merging(retention.orderExpiry(from: stored.createdAt)) { $1 },
                 condition: .notExists("orderId")),
            .put(table: Self.keysTable, item: ["key": .string(keyID), "orderId": .string(orderId), "fingerprint": .string(fingerprint)]
                    .merging(DataRetention.expiry(now, after: retention.idempotencyKeysSeconds)) { $1 },
                 condition: .notExists("key")),
        ]
        if fromCart { actions.append(.delete(table: Carts.table, key: ["userId": .string(userId)])) }
        do {
            try await store.transactWrite(actions)
        } catch {
            // A concurrent request with the same key won the race: answer with its order.
            if case .transactionCanceled = error, let existing = try await orderFor(key: keyID, userId: userId, fingerprint: fingerprint) {
                return existing
            }
            throw ShopError.storage(error)
        }
        accepted.increment()
        if let clientIP { activity?.record(.ordered, from: clientIP, account: userId, subject: orderId, amount: stored.total, at: now) }
        // The order is durable; the client need not also wait for the broker's commit. Should the process die
        // before the publish lands, the start-up sweep gives the pending order its checkout run.
        Task { await announce(orderId: orderId, userId: userId) }
        return Order(orderId: orderId, userId: userId, status: .pending, items: lines, total: stored.total, createdAt: stored.createdAt)
    }

    /// What an order request asked for, as its idempotency key remembers it: the merged lines, or the cart.
    static func fingerprint(_ quantities: [String: Int]?) -> String {
        guard let quantities else { return "request:cart" }
        let lines = quantities.sorted { Product.idOrder($0.key, $1.key) }.map { "\($0.key)x\($0.value)" }
        return "request:" + Hex.encode(SHA256.hash(Array(lines.joined(separator: ",").utf8)))
    }

    /// Publishes `order-placed`, retrying a failed publish a few times with backoff. A failure here is not the
    /// client's: the order is recorded, and the start-up sweep hands a pending order without a checkout run to
    /// checkout.
    func announce(orderId: String, userId: String) async {
        let message = OutgoingMessage(body: #"{"orderId":"\#(orderId)","userId":"\#(userId)"}"#,
                                      attributes: ["event": .string("order-placed"), "orderId": .string(orderId), "userId": .string(userId)])
        for attempt in 0..<6 {
            do throws(BrokerError) {
                _ = try await broker.publish(topic: Self.topic, message)
                return
            } catch {
                if case .closed = error { return }
                try? await clock.sleep(seconds: 0.1 * Double(1 << attempt))
            }
        }
    }

    private func orderFor(key: String, userId: String, fingerprint: String) async throws(ShopError) -> Order? {
        let record: Item?
        do {
            record = try await store.get(Self.keysTable, key: ["key": .string(key)])
        } catch {
            throw ShopError.storage(error)
        }
        guard let record, case .string(let orderId)? = record["orderId"] else { return nil }
        guard record["fingerprint"] == .string(fingerprint) else {
            throw ShopError.invalid("this Idempotency-Key was used for a different request; use a new key for a new order")
        }
        return try await order(userId: userId, orderId: orderId)
    }

    /// One of the user's orders; `notFound` if there is none (or it is someone else's).
    public func order(userId: String, orderId: String) async throws(ShopError) -> Order {
        let item: Item?
        do {
            item = try await store.get(Self.table, key: ["userId": .string(userId), "orderId": .string(orderId)])
        } catch {
            throw ShopError.storage(error)
        }
        guard let item, let order = Self.order(item) else { throw ShopError.notFound("no order \(orderId)") }
        return order
    }

    /// Most orders on one page of `GET /api/orders`.
    public static let maximumPageSize = 100

    /// A page of the user's orders, newest first, and the cursor of the next page (nil on the last).
    public func orders(userId: String, limit: Int? = nil, cursor: String? = nil) async throws(ShopError) -> (items: [Order], nextCursor: String?) {
        let size = limit ?? 50
        guard (1...Self.maximumPageSize).contains(size) else { throw ShopError.invalid("limit must be 1 to \(Self.maximumPageSize)") }
        var after: PageCursor?
        if let cursor {
            do throws(StoreError) {
                after = try PageCursor(token: cursor)
            } catch {
                throw ShopError(.malformed, "the cursor is malformed; pass back nextCursor as given")
            }
        }
        do {
            let page = try await store.query(Self.table, QueryRequest(partitionKey: .string(userId), limit: size, startAfter: after, ascending: false))
            return (page.items.compactMap(Self.order), page.nextCursor?.token)
        } catch {
            throw ShopError.storage(error)
        }
    }

    static func order(_ item: Item) -> Order? {
        guard let stored = StoredOrder(item: item), case .string(let status)? = item["status"],
              let parsed = Order.Status(rawValue: status) else { return nil }
        var reason: String?
        if case .string(let text)? = item["reason"] { reason = text }
        return Order(orderId: stored.orderId, userId: stored.userId, status: parsed, reason: reason, items: stored.items,
                     total: stored.total, createdAt: stored.createdAt)
    }

    /// Sets a pending order's outcome; a second call for the same order changes nothing.
    func settle(userId: String, orderId: String, status: Order.Status, reason: String?) async throws(StoreError) {
        var update = UpdateExpression().set("status", .string(status.rawValue))
        if let reason { update = update.set("reason", .string(reason)) }
        do {
            _ = try await store.update(Self.table, key: ["userId": .string(userId), "orderId": .string(orderId)], update,
                                       condition: .compare("status", .equal, "pending"))
        } catch {
            if case .conditionalCheckFailed = error { return }
            throw error
        }
        activity?.settle(order: orderId, outcome: status.rawValue)
    }

    /// Orders still pending (for the start-up sweep that makes sure each has a checkout run).
    func pending(limit: Int = 100_000) async throws(StoreError) -> [(userId: String, orderId: String)] {
        var found: [(String, String)] = []
        var cursor: PageCursor?
        repeat {
            let page = try await store.scan(Self.table, ScanRequest(filter: .compare("status", .equal, "pending"), startAfter: cursor))
            for item in page.items {
                if case .string(let user)? = item["userId"], case .string(let order)? = item["orderId"] { found.append((user, order)) }
            }
            cursor = page.nextCursor
        } while cursor != nil && found.count < limit
        return found
    }

    static func merge(_ lines: [Request.Line]) throws(ShopError) -> [String: Int] {
        guard (1...Carts.maximumLines).contains(lines.count) else { throw ShopError.invalid("an order holds 1 to \(Carts.maximumLines) lines") }
        var merged: [String: Int] = [:]
        for (index, line) in lines.enumerated() {
            guard (1...Carts.maximumQuantity).contains(line.quantity) else {
                throw ShopError.invalid("items[\(index)].quantity must be 1 to \(Carts.maximumQuantity)")
            }
            merged[line.productId, default: 0] += line.quantity
            guard merged[line.productId]! <= Carts.maximumQuantity else {
                throw ShopError.invalid("at most \(Carts.maximumQuantity) of one product per order")
            }
        }
        return merged
    }
}
