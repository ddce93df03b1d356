import Foundation
import Store

/// Makes the attribution's figures durable and shop-wide: every `flush`, the counts gathered since the last
/// one are added to per-version counters in table `recommender` (items `attribution#v<N>` and
/// `attribution#orders`) in one transaction, so a flush counts wholly or not at all, and the totals are read
/// back — every instance's flushes included. A `kill -9` loses at most the counts since the last flush.
struct AttributionLedger: Sendable {
    let store: any DocumentStore
    let attribution: RecommendationAttribution

    static let ordersKey: Item = ["key": .string("attribution#orders")]

    static func key(_ version: Int) -> Item { ["key": .string("attribution#v\(version)")] }

    /// Writes what is pending, then reads the totals of `versions` (and of every version with figures here).
    func flush(versions: [Int]) async {
        if let pending = attribution.takePending() {
            var actions: [TransactionAction] = pending.figures.map { figures in
                var update = UpdateExpression().add("lists", figures.lists).add("impressions", figures.impressions).add("cartAdds", figures.cartAdds)
                    .add("orders", figures.orders).add("units", figures.units).add("revenue", figures.revenue)
                // Only counts that include a showing carry times (a cart add or an order alone does not).
                if figures.firstShownAt.isFinite {
                    update = update.set("firstShownAtMillis", computed: .ifNotExists("firstShownAtMillis", .value(.number(Number(Self.millis(figures.firstShownAt))))))
                        .set("lastShownAtMillis", .number(Number(Self.millis(figures.lastShownAt))))
                }
                return .update(table: Recommendations.stateTable, key: Self.key(figures.version), update: update)
            }
            if pending.confirmedOrders > 0 {
                actions.append(.update(table: Recommendations.stateTable, key: Self.ordersKey, update: UpdateExpression().add("count", pending.confirmedOrders)))
            }
            do {
                try await store.transactWrite(actions)
                attribution.flushSucceeded()
            } catch {
                attribution.flushFailed()
                return
            }
        }
        await load(versions: versions)
    }

    /// Reads the store's totals into the attribution (at start, and after each flush); a failed read changes
    /// nothing, so the figures never lose a version for a moment.
    func load(versions: [Int]) async {
        var figures: [RecommendationAttribution.Figures] = []
        do {
            for version in Set(versions + attribution.versions + [0]).sorted() {
                guard let item = try await store.get(Recommendations.stateTable, key: Self.key(version)) else { continue }
                let count = { (name: String) in Int(item[name]?.int64Value ?? 0) }
                figures.append(.init(version: version, lists: count("lists"), impressions: count("impressions"), cartAdds: count("cartAdds"),
                                     orders: count("orders"), units: count("units"), revenue: count("revenue"),
                                     firstShownAt: Double(count("firstShownAtMillis")) / 1000, lastShownAt: Double(count("lastShownAtMillis")) / 1000))
            }
            let orders = try await store.get(Recommendations.stateTable, key: Self.ordersKey)
            attribution.adoptDurable(figures, confirmedOrders: Int(orders?["count"]?.int64Value ?? 0))
        } catch {
            return
        }
    }

    static func millis(_ seconds: Double) -> Int { Int((seconds * 1000).rounded()) }
}
