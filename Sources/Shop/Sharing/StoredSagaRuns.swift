import Foundation
import Store
import Workflow

/// The saga runs of several instances in the document store (DynamoDB on AWS): `saga-runs` holds each run
/// with its owner and lease, `saga-open` lists the runs not yet ended so a sweep need not scan every run
/// ever made. The list is spread over eight partitions by run id (one partition would take every start's
/// and end's write), its sort key the start time, so a sweep reads only runs older than a lease — a
/// checkout ends in well under one and never appears in it.
public struct StoredSagaRuns: SagaRunStore {
    static let runsTable = "saga-runs"
    static let openTable = "saga-open"
    static let shards = 8
    /// How long an ended run stays readable in the store (the checkout's own records outlive it).
    static let endedRunSeconds: Double = 7 * 86_400

    let store: any DocumentStore

    public init(store: any DocumentStore) {
        self.store = store
    }

    /// The two tables, as `prepare` makes them.
    public static let schemas = [
        TableSchema(name: runsTable, partitionKey: KeyAttribute("runID", .string), timeToLiveAttribute: DataRetention.attribute),
        TableSchema(name: openTable, partitionKey: KeyAttribute("shard", .string), sortKey: KeyAttribute("startedRun", .string)),
    ]

    func prepare() async throws(StoreError) {
        for schema in Self.schemas { try await store.ensureTable(schema) }
    }

    public func create(_ run: SagaRun, owner: String, leaseUntilMillis: Int64) async throws -> Bool {
        var item = Self.item(run)
        item["owner"] = .string(owner)
        item["leaseUntil"] = .number(Int(leaseUntilMillis))
        do throws(StoreError) {
            try await store.transactWrite([.put(table: Self.runsTable, item: item, condition: .notExists("runID")),
                                           .put(table: Self.openTable, item: Self.openItem(run), condition: nil)])
            return true
        } catch {
            if Self.failedCondition(error) { return false }
            throw error
        }
    }

    public func save(_ run: SagaRun, owner: String, leaseUntilMillis: Int64?) async throws -> Bool {
        var item = Self.item(run)
        let held = Condition.compare("owner", .equal, .string(owner))
        do throws(StoreError) {
            if let leaseUntilMillis {
                item["owner"] = .string(owner)
                item["leaseUntil"] = .number(Int(leaseUntilMillis))
                try await store.put(Self.runsTable, item, condition: held)
            } else {
                item.merge(DataRetention.expiry(run.endedAt ?? run.startedAt, after: Self.endedRunSeconds)) { _, new in new }
                try await store.transactWrite([.put(table: Self.runsTable, item: item, condition: held),
                                               .delete(table: Self.openTable, key: Self.openKey(run), condition: nil)])
            }
            return true
        } catch {
            if Self.failedCondition(error) { return false }
            throw error
        }
    }

    public func renew(_ runID: String, owner: String, leaseUntilMillis: Int64) async throws -> Bool {
        do throws(StoreError) {
            try await store.update(Self.runsTable, key: ["runID": .string(runID)], UpdateExpression().set("leaseUntil", .number(Int(leaseUntilMillis))),
                                   condition: .compare("owner", .equal, .string(owner)))
            return true
        } catch {
            if Self.failedCondition(error) { return false }
            throw error
        }
    }

    public func claim(_ runID: String, owner: String, nowMillis: Int64, leaseUntilMillis: Int64) async throws -> SagaRun? {
        let open = Condition.compare("state", .equal, .string(RunState.running.rawValue))
            || .compare("state", .equal, .string(RunState.compensating.rawValue))
        let free = Condition.compare("leaseUntil", .less, .number(Int(nowMillis))) || .compare("owner", .equal, .string(owner))
        do throws(StoreError) {
            let item = try await store.update(Self.runsTable, key: ["runID": .string(runID)],
                                              UpdateExpression().set("owner", .string(owner)).set("leaseUntil", .number(Int(leaseUntilMillis))),
                                              condition: open && free)
            return Self.run(item)
        } catch {
            if Self.failedCondition(error) { return nil }
            throw error
        }
    }

    public func reopen(_ runID: String, owner: String, leaseUntilMillis: Int64) async throws -> SagaRun? {
        guard let current = try await load(runID), current.state == .failed else { return nil }
        do throws(StoreError) {
            try await store.transactWrite([
                .update(table: Self.runsTable, key: ["runID": .string(runID)],
                        update: UpdateExpression().set("owner", .string(owner)).set("leaseUntil", .number(Int(leaseUntilMillis)))
                            .remove(AttributePath(DataRetention.attribute)),
                        condition: .compare("state", .equal, .string(RunState.failed.rawValue))),
                .put(table: Self.openTable, item: Self.openItem(current), condition: nil),
            ])
            return current
        } catch {
            if Self.failedCondition(error) { return nil }
            throw error
        }
    }

    public func openRuns(startedBeforeMillis: Int64, limit: Int) async throws -> [String] {
        var ids: [String] = []
        for shard in 0..<Self.shards where ids.count < limit {
            let page = try await store.query(Self.openTable, QueryRequest(partitionKey: .string(String(shard)),
                                                                          sortKey: .lessThan(.string(Self.sortKey(startedBeforeMillis, ""))),
                                                                          limit: limit - ids.count))
            ids += page.items.compactMap { $0["runID"]?.stringValue }
        }
        return ids
    }

    public func load(_ runID: String) async throws -> SagaRun? {
        try await store.get(Self.runsTable, key: ["runID": .string(runID)]).flatMap(Self.run)
    }

    // MARK: Items

    private static func item(_ run: SagaRun) -> Item {
        ["runID": .string(run.runID), "saga": .string(run.saga), "state": .string(run.state.rawValue),
         "startedAt": .number(Int(millis(run.startedAt))), "run": .binary(run.encoded())]
    }

    private static func run(_ item: Item) -> SagaRun? {
        guard case .binary(let bytes)? = item["run"] else { return nil }
        return SagaRun(encoded: bytes)
    }

    private static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }

    /// The start time first, padded, so the sort key orders by it.
    private static func sortKey(_ startedMillis: Int64, _ runID: String) -> String {
        let digits = String(max(0, startedMillis))
        return String(repeating: "0", count: max(0, 15 - digits.count)) + digits + "#" + runID
    }

    private static func openKey(_ run: SagaRun) -> Item {
        ["shard": .string(String(shard(of: run.runID))), "startedRun": .string(sortKey(millis(run.startedAt), run.runID))]
    }

    private static func openItem(_ run: SagaRun) -> Item {
        openKey(run).merging(["runID": .string(run.runID)]) { old, _ in old }
    }

    /// Stable across processes, unlike `hashValue`.
    private static func shard(of runID: String) -> Int {
        Int(StableHash.fnv1a(runID) % UInt64(shards))
    }

    private static func failedCondition(_ error: StoreError) -> Bool {
        switch error {
        case .conditionalCheckFailed: true
        case .transactionCanceled(let reasons): reasons.contains { $0.code == .conditionalCheckFailed }
        default: false
        }
    }
}
