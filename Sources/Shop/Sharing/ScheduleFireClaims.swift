import Foundation
import Store

/// Each instance of a shared shop keeps its own scheduler, so each sees a schedule fire; the first to claim
/// the fire in the store (a conditional create keyed by schedule and time) acts on it, the others do
/// nothing. An instance that was down at the time and catches up later finds the fire claimed.
struct ScheduleFireClaims: Sendable {
    static let table = "schedule-fires"
    /// Claims are kept long enough to outlive any catch-up after downtime, then expire.
    static let keptSeconds: Double = 30 * 86_400

    let store: any DocumentStore

    func prepare() async throws(StoreError) {
        try await store.ensureTable(TableSchema(name: Self.table, partitionKey: KeyAttribute("fire", .string), timeToLiveAttribute: DataRetention.attribute))
    }

    /// True for the one instance that gets to act on `schedule`'s fire at `scheduledAt`.
    func claim(schedule: String, scheduledAt: Date, by owner: String) async throws(StoreError) -> Bool {
        var item: Item = ["fire": .string("\(schedule)#\(Int64(scheduledAt.timeIntervalSince1970))"), "owner": .string(owner)]
        item.merge(DataRetention.expiry(scheduledAt, after: Self.keptSeconds)) { _, new in new }
        do throws(StoreError) {
            try await store.put(Self.table, item, condition: .notExists("fire"))
            return true
        } catch {
            if case .conditionalCheckFailed = error { return false }
            throw error
        }
    }
}
