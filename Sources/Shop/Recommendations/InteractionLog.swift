import Broker
import Foundation
import Recommender
import Store

/// Who did what with which product, one item per interaction in table `interactions` (partition `userId`,
/// sort `id` = zero-padded milliseconds + the message id, so a redelivered message writes the same item
/// again rather than a second one), kept as `DataRetention` says (400 days by default). Written by the
/// analytics worker from signed-in shoppers' views and cart adds and from confirmed orders; read by the
/// recommendation pipeline's export and, per shopper, to personalise and to leave out what they bought.
/// Also feeds the live best sellers and trending.
public struct InteractionLog: Sendable {
    static let table = "interactions"
    /// The most of a shopper's interactions read to personalise (the newest).
    static let historyLimit = 500
    let store: any DocumentStore
    /// The live popularity baselines, fed as interactions arrive.
    public let trends: TrendTracker
    /// How long an interaction is kept after it happened.
    let keptSeconds: Double

    func prepare() async throws(StoreError) {
        try await store.ensureTable(TableSchema(name: Self.table, partitionKey: KeyAttribute("userId", .string),
                                                sortKey: KeyAttribute("id", .string), timeToLiveAttribute: DataRetention.attribute))
    }

    /// Records one interaction (idempotent by `messageID`).
    func record(userId: String, productId: String, kind: InteractionKind, at: Date, messageID: String) async throws(StoreError) {
        let millis = Int64((at.timeIntervalSince1970 * 1000).rounded(.down))
        let id = String(repeating: "0", count: max(0, 15 - String(millis).count)) + String(millis) + "#" + messageID + "#" + productId
        let item: Item = ["userId": .string(userId), "id": .string(id), "productId": .string(productId), "kind": .string(kind.rawValue),
                          "at": .number(Int(millis))]
        _ = try await store.put(Self.table, item.merging(DataRetention.expiry(at, after: keptSeconds)) { $1 })
        trends.record(user: userId, item: productId, at: at.timeIntervalSince1970, isPurchase: kind == .purchase)
    }

    /// A shopper's newest interactions, newest first.
    func history(of userId: String) async throws(StoreError) -> [Interaction] {
        let page = try await store.query(Self.table, QueryRequest(partitionKey: .string(userId), limit: Self.historyLimit, ascending: false))
        return page.items.compactMap(Self.interaction)
    }

    /// The interaction an exported or stored item describes.
    static func interaction(_ item: Item) -> Interaction? {
        guard case .string(let user)? = item["userId"], case .string(let product)? = item["productId"],
              case .string(let kindText)? = item["kind"], let kind = InteractionKind(rawValue: kindText), let millis = item["at"]?.int64Value else { return nil }
        return Interaction(user: user, item: product, timestamp: Double(millis) / 1000, kind: kind)
    }

    /// Feeds the live baselines from the stored interactions of the last `days` (at start-up).
    func replay(days: Double, now: Date) async throws(StoreError) -> Int {
        let since = Int64((now.timeIntervalSince1970 - days * 86_400) * 1000)
        var cursor: PageCursor?
        var count = 0
        repeat {
            let page = try await store.scan(Self.table, ScanRequest(limit: 5000, startAfter: cursor))
            for item in page.items {
                guard let interaction = Self.interaction(item), Int64(interaction.timestamp * 1000) >= since else { continue }
                trends.record(interaction)
                count += 1
            }
            cursor = page.nextCursor
        } while cursor != nil
        return count
    }
}
