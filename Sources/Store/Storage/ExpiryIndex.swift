/// A min-heap of (expiry, table, key) so the background sweep finds expired items without scanning tables.
/// Entries go stale when an item is rewritten or deleted; the sweep checks each against the table.
struct ExpiryIndex: Sendable {
    struct Entry: Sendable {
        var expiresAt: Int64
        var table: String
        var key: PrimaryKey
    }

    private(set) var heap: [Entry] = []

    var count: Int { heap.count }

    mutating func insert(_ entry: Entry) {
        heap.append(entry)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].expiresAt < heap[parent].expiresAt else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    /// The earliest expiry, if any.
    var earliest: Entry? { heap.first }

    mutating func popEarliest() -> Entry? {
        guard !heap.isEmpty else { return nil }
        heap.swapAt(0, heap.count - 1)
        let top = heap.removeLast()
        var parent = 0
        while true {
            let left = parent * 2 + 1, right = left + 1
            var smallest = parent
            if left < heap.count, heap[left].expiresAt < heap[smallest].expiresAt { smallest = left }
            if right < heap.count, heap[right].expiresAt < heap[smallest].expiresAt { smallest = right }
            guard smallest != parent else { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
        return top
    }

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
