import Journal

/// Everything the store holds in memory. A value: copying it is how snapshots and exports get a
/// consistent view while writes go on.
struct StoreState: Sendable {
    var tables: [String: TableData] = [:]
    var tokens = IdempotencyTokens()
    var feed: ChangeFeedState
    var expiry = ExpiryIndex()
    /// The last journal record applied.
    var appliedLSN: UInt64 = 0

    init(changeFeedCapacity: Int) {
        feed = ChangeFeedState(capacity: changeFeedCapacity)
    }

    /// Runs `body` on table `name` in place, without copying it, or throws `.tableNotFound`.
    mutating func withTable<Result>(_ name: String, _ body: (inout TableData) throws(StoreError) -> Result) throws(StoreError) -> Result {
        var outcome: Swift.Result<Result, StoreError>? = nil
        tables[name]?.access { data in outcome = Swift.Result { () throws(StoreError) in try body(&data) } }
        guard let outcome else { throw .tableNotFound(name) }
        return try outcome.get()
    }

    /// Applies one journal record. The live write path and recovery both come through here, so memory
    /// after recovery is exactly memory before the crash, for every acknowledged record.
    /// Returns true when the change feed gained changes.
    @discardableResult
    mutating func apply(_ record: StoreRecord, lsn: UInt64) throws(DecodingError) -> Bool {
        appliedLSN = lsn
        switch record {
        case .createTable(let schema):
            tables[schema.name] = TableData(schema: schema)
        case .deleteTable(let name):
            tables[name] = nil
        case let .setTimeToLive(table, attribute):
            guard tables[table] != nil else { throw DecodingError(message: "time to live for unknown table \(table)") }
            tables[table]!.setTimeToLive(attribute: attribute)
            expiry.rebuild(from: tables)
        case .write(let batch):
            return try applyWrite(batch, lsn: lsn)
        case let .registerConsumer(name, filter):
            feed.register(name, tables: filter)
        case .unregisterConsumer(let name):
            feed.unregister(name)
        case let .acknowledge(consumer, sequence):
            feed.acknowledge(consumer, through: sequence)
        }
        return false
    }

    private mutating func applyWrite(_ batch: WriteBatch, lsn: UInt64) throws(DecodingError) -> Bool {
        var fed = false
        for mutation in batch.mutations {
            var outcome: (old: StoredItem?, expiresAt: Int64?)? = nil
            tables[mutation.table]?.access { outcome = $0.apply(mutation, lsn: lsn) }
            guard let (old, expiresAt) = outcome else {
                throw DecodingError(message: "write to unknown table \(mutation.table)")
            }
            if let expiresAt {
                expiry.insert(.init(expiresAt: expiresAt, table: mutation.table, key: mutation.key))
            }
            let kind: ChangeRecord.Kind
            if mutation.newItem != nil {
                kind = old == nil ? .insert : .modify
            } else {
                guard old != nil else { continue }
                kind = .remove
            }
            guard feed.isFollowed(mutation.table) else {
                feed.skip()
                continue
            }
            let change = ChangeRecord(sequence: 0, table: mutation.table, key: mutation.key, kind: kind,
                                      oldImage: old?.item, newImage: mutation.newItem, origin: batch.origin,
                                      timestampMillis: batch.timestampMillis, lsn: lsn)
            if feed.append(change) { fed = true }
        }
        if let token = batch.token {
            tokens.record(token.token, .init(requestHash: token.requestHash, atMillis: batch.timestampMillis, lsn: lsn))
        }
        if let acknowledge = batch.acknowledge {
            feed.acknowledge(acknowledge.consumer, through: acknowledge.sequence)
        }
        return fed
    }
}
