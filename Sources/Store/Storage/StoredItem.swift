/// An item as kept in memory, with what the store needs to serve it.
struct StoredItem: Sendable {
    var item: Item
    /// The journal record that last wrote it: reads wait until this is durable before answering.
    var lsn: UInt64
    /// Epoch seconds after which the item is expired (from the table's time-to-live attribute).
    var expiresAt: Int64?
    /// Encoded size in bytes.
    var size: Int

    func isVisible(atEpochSecond now: Int64) -> Bool {
        guard let expiresAt else { return true }
        return expiresAt > now
    }

    /// The expiry an item carries under `schema`: its TTL attribute, when it is a number of epoch seconds.
    static func expiry(of item: Item, schema: TableSchema) -> Int64? {
        guard let attribute = schema.timeToLiveAttribute, case .number(let n)? = item[attribute] else { return nil }
        if let seconds = n.int64 { return seconds }
        let value = n.double
        guard value.isFinite, abs(value) < 9e15 else { return nil }
        return Int64(value.rounded(.down))
    }
}

/// The items of one partition of a table with a sort key, ordered by sort key.
struct SortedPartition: Sendable {
    private(set) var keys: [KeyValue] = []
    private(set) var items: [StoredItem] = []

    var isEmpty: Bool { keys.isEmpty }
    var count: Int { keys.count }

    /// The first index whose key is not less than `key`.
    func lowerBound(_ key: KeyValue) -> Int {
        var low = 0, high = keys.count
        while low < high {
            let mid = (low + high) / 2
            if keys[mid] < key { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// The first index whose key is greater than `key`.
    func upperBound(_ key: KeyValue) -> Int {
        var low = 0, high = keys.count
        while low < high {
            let mid = (low + high) / 2
            if key < keys[mid] { high = mid } else { low = mid + 1 }
        }
        return low
    }

    func get(_ key: KeyValue) -> StoredItem? {
        let index = lowerBound(key)
        return index < keys.count && keys[index] == key ? items[index] : nil
    }

    /// Inserts or replaces; returns what was there.
    mutating func put(_ key: KeyValue, _ item: StoredItem) -> StoredItem? {
        let index = lowerBound(key)
        if index < keys.count && keys[index] == key {
            let old = items[index]
            items[index] = item
            return old
        }
        keys.insert(key, at: index)
        items.insert(item, at: index)
        return nil
    }

    /// Changes every item in place (keys stay as they are).
    mutating func updateEach(_ change: (inout StoredItem) -> Void) {
        for index in items.indices { change(&items[index]) }
    }

    mutating func remove(_ key: KeyValue) -> StoredItem? {
        let index = lowerBound(key)
        guard index < keys.count && keys[index] == key else { return nil }
        keys.remove(at: index)
        return items.remove(at: index)
    }
}
