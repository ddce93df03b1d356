import Addressing
import Broker
import Foundation
import Hashing
import Store
import Telemetry

/// A limited drop: `stock` units of a product for the first entrants after `opensAt`.
struct StoredDrop: Codable, Sendable {
    var dropId: String
    var productId: String
    var stock: Int
    var opensAt: Date
    var createdAt: Date
}

/// A drop as the API shows it.
public struct DropView: Encodable, Sendable {
    public var dropId: String
    public var productId: String
    public var stock: Int
    public var opensAt: String
    public var entrants: Int
    /// `scheduled` before `opensAt`, `open` while units remain, `sold-out` after.
    public var state: String
}

/// An entry as the API shows it: `position` is the arrival order (1-based) once the entry has been processed.
public struct DropEntry: Encodable, Sendable, Equatable {
    public var entryId: String
    public var position: Int?
    public var state: String

    private enum CodingKeys: String, CodingKey { case entryId, position, state }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(entryId, forKey: .entryId)
        try container.encode(position, forKey: .position)
        try container.encode(state, forKey: .state)
    }
}

/// First come, first served: entries go through a FIFO queue (one message group per drop), and its consumer
/// numbers them in queue order; the first `stock` positions win. The queue's order is the order in which
/// entries were durably accepted, so an entry acknowledged before another was sent always ranks ahead of it.
public final class Drops: Sendable {
    static let table = "drops"
    static let entriesTable = "drop-entries"
    static let entrantsTable = "drop-entrants"

    private let store: any DocumentStore
    private let broker: any MessageBroker
    private let catalog: Catalog
    private let clock: any WallClock
    /// Drops are kept as long as orders, counted from when they open; entries from when they are made.
    private let retention: DataRetention
    /// The latest drops' live picture, for the console.
    let board = DropBoard()
    /// Where each entry's address is noted for the dossier.
    private let activity: AddressActivity?

    init(store: any DocumentStore, broker: any MessageBroker, catalog: Catalog, clock: any WallClock, retention: DataRetention, activity: AddressActivity? = nil) {
        self.activity = activity
        self.store = store
        self.broker = broker
        self.catalog = catalog
        self.clock = clock
        self.retention = retention
    }

    func prepare() async throws(StoreError) {
        let expiry = DataRetention.attribute
        try await store.ensureTable(TableSchema(name: Self.table, partitionKey: KeyAttribute("dropId", .string), timeToLiveAttribute: expiry))
        try await store.ensureTable(TableSchema(name: Self.entriesTable, partitionKey: KeyAttribute("dropId", .string),
                                                sortKey: KeyAttribute("entryId", .string), timeToLiveAttribute: expiry))
        try await store.ensureTable(TableSchema(name: Self.entrantsTable, partitionKey: KeyAttribute("key", .string), timeToLiveAttribute: expiry))
    }

    /// Creates a drop (an operator action; the caller audits it).
    public func create(productId: String, stock: Int, opensAt: Date?) async throws(ShopError) -> DropView {
        guard catalog.exists(productId) else { throw ShopError.invalid("no product \(productId)") }
        guard (1...1_000_000).contains(stock) else { throw ShopError.invalid("stock must be 1 to 1000000") }
        let now = clock.now()
        let drop = StoredDrop(dropId: "d-" + ((try? SecureRandom.hexToken(byteCount: 6)) ?? String(Int.random(in: 0..<1_000_000_000))),
                              productId: productId, stock: stock, opensAt: opensAt ?? now, createdAt: now)
        do {
            let counter: Item = ["entrants": 0]
            let native = counter.merging(retention.orderExpiry(from: max(drop.opensAt, now))) { $1 }
            _ = try await store.put(Self.table, StoredDocument.item(drop, keys: ["dropId": .string(drop.dropId)], native: native),
                                    condition: .notExists("dropId"))
        } catch {
            throw ShopError.storage(error)
        }
        board.track(dropId: drop.dropId, productId: productId, stock: stock, opensAt: drop.opensAt)
        return view(drop, entrants: 0, now: now)
    }

    /// One drop as the API shows it; `notFound` when there is none.
    public func dropView(_ dropId: String) async throws(ShopError) -> DropView {
        let item: Item?
        do {
            item = try await store.get(Self.table, key: ["dropId": .string(dropId)])
        } catch {
            throw ShopError.storage(error)
        }
        guard let item, let drop = StoredDocument.decode(StoredDrop.self, from: item) else { throw ShopError.notFound("no drop \(dropId)") }
        return view(drop, entrants: Int(item["entrants"]?.int64Value ?? 0), now: clock.now())
    }

    /// Every drop, by opening time.
    public func list() async throws(ShopError) -> [DropView] {
        let now = clock.now()
        return try await stored().map { view($0.drop, entrants: $0.entrants, now: now) }
    }

    /// Follows the latest drops in the store on the board (at start: the console's flash-sale view survives a restart).
    func loadBoard() async throws(ShopError) {
        for (drop, entrants) in try await stored().suffix(DropBoard.capacity) {
            board.track(dropId: drop.dropId, productId: drop.productId, stock: drop.stock, opensAt: drop.opensAt, entrants: entrants)
        }
    }

    /// Every drop in the store with its count of numbered entrants, by opening time.
    private func stored() async throws(ShopError) -> [(drop: StoredDrop, entrants: Int)] {
        var drops: [(drop: StoredDrop, entrants: Int)] = []
        var cursor: PageCursor?
        do {
            repeat {
                let page = try await store.scan(Self.table, ScanRequest(startAfter: cursor))
                for item in page.items {
                    if let drop = StoredDocument.decode(StoredDrop.self, from: item) { drops.append((drop, Int(item["entrants"]?.int64Value ?? 0))) }
                }
                cursor = page.nextCursor
            } while cursor != nil
        } catch {
            throw ShopError.storage(error)
        }
        return drops.sorted { $0.drop.opensAt < $1.drop.opensAt }
    }

    private func view(_ drop: StoredDrop, entrants: Int, now: Date) -> DropView {
        DropView(dropId: drop.dropId, productId: drop.productId, stock: drop.stock, opensAt: Logger.timestamp(drop.opensAt), entrants: entrants,
                 state: now < drop.opensAt ? "scheduled" : entrants >= drop.stock ? "sold-out" : "open")
    }

    private func drop(_ dropId: String) async throws(ShopError) -> StoredDrop {
        let item: Item?
        do {
            item = try await store.get(Self.table, key: ["dropId": .string(dropId)])
        } catch {
            throw ShopError.storage(error)
        }
        guard let item, let drop = StoredDocument.decode(StoredDrop.self, from: item) else { throw ShopError.notFound("no drop \(dropId)") }
        return drop
    }

    /// Enters the user in the drop: 202 with the pending entry; entering again returns the same entry.
    /// `clientIP` is where the request came from, noted for the address's dossier.
    public func enter(dropId: String, userId: String, from clientIP: IPAddress? = nil) async throws(ShopError) -> DropEntry {
        let drop = try await drop(dropId)
        guard clock.now() >= drop.opensAt else {
            throw ShopError.conflict("the drop opens at \(Logger.timestamp(drop.opensAt))", reason: "not_open")
        }
        let uniqueKey = "\(dropId)|\(userId)"
        let entryId = "e-" + ((try? SecureRandom.hexToken(byteCount: 8)) ?? String(Int.random(in: 0..<1_000_000_000)))
        let expiry = retention.orderExpiry(from: clock.now())
        do {
            try await store.transactWrite([
                .put(table: Self.entrantsTable, item: ["key": .string(uniqueKey), "entryId": .string(entryId)].merging(expiry) { $1 },
                     condition: .notExists("key")),
                .put(table: Self.entriesTable, item: ["dropId": .string(dropId), "entryId": .string(entryId), "userId": .string(userId),
                                                      "state": "pending"].merging(expiry) { $1 }, condition: .notExists("entryId")),
            ])
        } catch {
            guard case .transactionCanceled = error,
                  case .string(let existing)? = try? await store.get(Self.entrantsTable, key: ["key": .string(uniqueKey)])?["entryId"] else {
                throw ShopError.storage(error)
            }
            // Entered before: the same entry, sent again while it is pending (the first send may not have landed).
            if let current = try await entry(dropId: dropId, entryId: existing), current.state != "pending" { return current }
            return try await enqueue(dropId: dropId, entryId: existing, userId: userId)
        }
        if let clientIP { activity?.record(.enteredDrop, from: clientIP, account: userId, subject: dropId, at: clock.now()) }
        return try await enqueue(dropId: dropId, entryId: entryId, userId: userId)
    }

    /// Sends the entry to the drop's FIFO queue and answers it as pending.
    private func enqueue(dropId: String, entryId: String, userId: String) async throws(ShopError) -> DropEntry {
        do {
            // The deduplication id makes a resend (after a crash, or a repeated request) enqueue once.
            _ = try await broker.send(Messaging.dropEntries, OutgoingMessage(
                body: entryId, attributes: ["dropId": .string(dropId), "entryId": .string(entryId), "userId": .string(userId)],
                groupID: dropId, deduplicationID: entryId))
        } catch {
            throw ShopError.broker(error)
        }
        return DropEntry(entryId: entryId, position: nil, state: "pending")
    }

    /// An entry, or nil if there is none.
    public func entry(dropId: String, entryId: String) async throws(ShopError) -> DropEntry? {
        let item: Item?
        do {
            item = try await store.get(Self.entriesTable, key: ["dropId": .string(dropId), "entryId": .string(entryId)])
        } catch {
            throw ShopError.storage(error)
        }
        guard let item, case .string(let state)? = item["state"] else { return nil }
        return DropEntry(entryId: entryId, position: item["position"]?.int64Value.map { Int($0) }, state: state)
    }

    /// The FIFO consumer's step: the next position goes to this entry, in one transaction with the drop's
    /// counter, conditioned on both so a redelivered message changes nothing.
    func settle(_ message: ReceivedMessage) async throws {
        guard case .string(let dropId)? = message.attributes["dropId"], case .string(let entryId)? = message.attributes["entryId"],
              case .string(let userId)? = message.attributes["userId"] else { return }
        guard let dropItem = try await store.get(Self.table, key: ["dropId": .string(dropId)]),
              let drop = StoredDocument.decode(StoredDrop.self, from: dropItem) else { return }
        let entrants = Int(dropItem["entrants"]?.int64Value ?? 0)
        let position = entrants + 1
        do {
            try await store.transactWrite([
                .update(table: Self.table, key: ["dropId": .string(dropId)], update: UpdateExpression().set("entrants", .number(position)),
                        condition: .compare("entrants", .equal, .number(entrants))),
                .put(table: Self.entriesTable, item: ["dropId": .string(dropId), "entryId": .string(entryId), "userId": .string(userId),
                                                      "position": .number(position), "state": .string(position <= drop.stock ? "won" : "lost")]
                        .merging(retention.orderExpiry(from: clock.now())) { $1 },
                     condition: .notExists("position")),
            ])
            board.numbered(dropId, position: position, at: clock.now())
        } catch {
            // Already numbered (a redelivery): done. Anything else: let the queue redeliver.
            if case .transactionCanceled(let reasons) = error, reasons.count == 2, reasons[1].code == .conditionalCheckFailed { return }
            throw error
        }
    }
}
