import Foundation

/// One committed change to an item, as the change feed delivers it (DynamoDB Streams' NEW_AND_OLD_IMAGES).
public struct ChangeRecord: Sendable, Equatable {
    public enum Kind: String, Sendable { case insert = "INSERT", modify = "MODIFY", remove = "REMOVE" }
    /// Who made the change: a client, or the time-to-live sweeper removing an expired item.
    public enum Origin: String, Sendable { case user, timeToLive }

    /// Position in the feed; strictly increasing across all tables.
    public var sequence: UInt64
    public var table: String
    public var key: PrimaryKey
    public var kind: Kind
    public var oldImage: Item?
    public var newImage: Item?
    public var origin: Origin
    /// When the change was committed (milliseconds since the epoch).
    public var timestampMillis: Int64
    /// Journal record holding the change; delivered only once durable. Not part of the change's identity:
    /// a change restored from a snapshot is the same change.
    var lsn: UInt64

    public static func == (lhs: ChangeRecord, rhs: ChangeRecord) -> Bool {
        lhs.sequence == rhs.sequence && lhs.table == rhs.table && lhs.key == rhs.key && lhs.kind == rhs.kind
            && lhs.oldImage == rhs.oldImage && lhs.newImage == rhs.newImage && lhs.origin == rhs.origin
            && lhs.timestampMillis == rhs.timestampMillis
    }
}

/// The change feed's memory: registered consumers with their acknowledged positions, and the changes
/// some consumer still needs. Deterministic from the journal, so replay rebuilds it exactly.
struct ChangeFeedState: Sendable {
    struct Consumer: Sendable, Equatable {
        /// Tables the consumer follows; nil for all.
        var tables: Set<String>?
        /// Every change up to this sequence has been processed.
        var acknowledged: UInt64

        func follows(_ table: String) -> Bool { tables?.contains(table) ?? true }
    }

    var consumers: [String: Consumer] = [:]
    private(set) var records: [ChangeRecord] = []
    private var head = 0
    /// The sequence the next change gets.
    var nextSequence: UInt64 = 1
    /// Highest sequence dropped because retention was full while a consumer still needed it.
    var droppedThrough: UInt64 = 0
    var capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    var retainedCount: Int { records.count - head }
    var retained: ArraySlice<ChangeRecord> { records[head...] }

    /// Whether any consumer follows `table` (when none does, a change needs no record, only a sequence number).
    func isFollowed(_ table: String) -> Bool {
        !consumers.isEmpty && consumers.values.contains { $0.follows(table) }
    }

    /// Uses up a sequence number for a change nobody follows.
    mutating func skip() {
        nextSequence += 1
    }

    /// Assigns the change its sequence and keeps it if some consumer follows its table.
    mutating func append(_ change: ChangeRecord) -> Bool {
        var change = change
        change.sequence = nextSequence
        nextSequence += 1
        guard consumers.values.contains(where: { $0.follows(change.table) }) else { return false }
        records.append(change)
        if retainedCount > capacity {
            droppedThrough = records[head].sequence
            head += 1
        }
        compactIfWorthIt()
        return true
    }

    /// Restores a retained record from a snapshot, keeping its sequence.
    mutating func restore(_ change: ChangeRecord) {
        records.append(change)
    }

    mutating func register(_ name: String, tables: Set<String>?) {
        consumers[name] = Consumer(tables: tables, acknowledged: nextSequence - 1)
        trim()
    }

    mutating func unregister(_ name: String) {
        consumers[name] = nil
        trim()
    }

    mutating func acknowledge(_ name: String, through sequence: UInt64) {
        guard var consumer = consumers[name] else { return }
        consumer.acknowledged = max(consumer.acknowledged, min(sequence, nextSequence - 1))
        consumers[name] = consumer
        trim()
    }

    /// Changes after the consumer's acknowledged position that it follows, durable ones only.
    func pending(for name: String, limit: Int, durableLSN: UInt64) throws(StoreError) -> [ChangeRecord] {
        guard let consumer = consumers[name] else { throw .consumerNotFound(name) }
        if consumer.acknowledged < droppedThrough {
            throw .changesTrimmed(consumer: name, oldestAvailable: retained.first?.sequence ?? nextSequence)
        }
        var low = head, high = records.count
        while low < high {
            let mid = (low + high) / 2
            if records[mid].sequence <= consumer.acknowledged { low = mid + 1 } else { high = mid }
        }
        var result: [ChangeRecord] = []
        var index = low
        while index < records.count, result.count < limit {
            let change = records[index]
            if change.lsn > durableLSN { break }
            if consumer.follows(change.table) { result.append(change) }
            index += 1
        }
        return result
    }

    /// Drops leading changes no consumer needs any more.
    private mutating func trim() {
        while head < records.count {
            let change = records[head]
            let needed = consumers.values.contains { $0.follows(change.table) && $0.acknowledged < change.sequence }
            if needed { break }
            head += 1
        }
        compactIfWorthIt()
    }

    private mutating func compactIfWorthIt() {
        if head > 4096, head * 2 > records.count {
            records.removeFirst(head)
            head = 0
        }
    }
}
