import Telemetry

/// A min-heap of (expiry, table, key) so the background sweep finds expired items without scanning tables.
/// Entries go stale when an item is rewritten or deleted; the sweep checks each against the table.
struct ExpiryIndex: Sendable {
    struct Entry: HeapKeyed, Sendable {
        var expiresAt: Int64
        var table: String
        var key: PrimaryKey
        var heapKey: Int64 { expiresAt }
    }

    private var heap = MinHeap<Entry>()

    var count: Int { heap.count }

    mutating func insert(_ entry: Entry) { heap.insert(entry) }

    /// The earliest expiry, if any.
    var earliest: Entry? { heap.first }

    mutating func popEarliest() -> Entry? { heap.popFirst() }

    /// Rebuilds from the live items when stale entries dominate.
    mutating func rebuild(from tables: [String: TableData]) {
        heap.removeAll()
        for (name, table) in tables where table.schema.timeToLiveAttribute != nil {
            table.forEachItem { key, stored in
                if let expiresAt = stored.expiresAt { insert(Entry(expiresAt: expiresAt, table: name, key: key)) }
            }
        }
    }
}
