import Journal

/// An item as kept in memory, with what the store needs to serve it.
///
/// The item is kept in its binary encoding, not as a dictionary: a Swift `[String: AttributeValue]` of a
/// typical shop item (six attributes, UUID strings) costs about a kilobyte of heap in many blocks, its
/// encoding a tenth of that in one. A read decodes the item (a microsecond for a small one), which is the
/// price of a shop whose memory grows with its data and not ten times faster.
struct StoredItem: Sendable {
    /// The item in `ItemCodec`'s encoding; its length is the item's size.
    private(set) var encoded: [UInt8]
    /// The journal record that last wrote it: reads wait until this is durable before answering.
    var lsn: UInt64
    /// Epoch seconds after which the item is expired (from the table's time-to-live attribute).
    var expiresAt: Int64?

    /// `encoded` must be `ItemCodec`'s encoding of an item: the store's own, or bytes that decoded once.
    init(encoded: [UInt8], lsn: UInt64, expiresAt: Int64?) {
        // Exactly the item's bytes are kept: a writer's buffer has room to spare (malloc's rounding aside).
        self.encoded = encoded.capacity <= encoded.count + 32 ? encoded
            : [UInt8](unsafeUninitializedCapacity: encoded.count) { buffer, initialized in
                initialized = buffer.initialize(fromContentsOf: encoded)
            }
        self.lsn = lsn
        self.expiresAt = expiresAt
    }

    /// Encoded size in bytes.
    var size: Int { encoded.count }

    /// The item, decoded.
    var item: Item {
        encoded.withUnsafeBytes { buffer in
            var reader = ByteReader(buffer)
            do throws(DecodingError) {
                return try ItemCodec.readItem(&reader)
            } catch {
                // Only bytes the codec wrote, or that it read back whole, are ever stored.
                preconditionFailure("a stored item does not decode: \(error.message)")
            }
        }
    }

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
