/// One table in memory: its schema and items, organised for key lookups, queries and scans.
///
/// Tables without a sort key keep items in a sharded hash map (`ShardedItems`); tables with one keep a sorted
/// partition per partition key. The whole structure is a value, so a snapshot or an export is an O(1) copy that later
/// writes do not disturb.
struct TableData: Sendable {
    var schema: TableSchema
    private(set) var hashItems = ShardedItems()
    private(set) var partitions: [KeyValue: SortedPartition] = [:]
    private(set) var itemCount = 0
    private(set) var byteCount = 0
    /// The last journal record that removed an item: a read that finds nothing waits for it to be durable.
    var lastRemovalLSN: UInt64 = 0
    /// Partition keys in order, rebuilt lazily after partitions come or go (scans need a stable order).
    private var partitionOrder: [KeyValue]? = nil

    init(schema: TableSchema) { self.schema = schema }

    func get(_ key: PrimaryKey) -> StoredItem? {
        if let sort = key.sort { return partitions[key.partition]?.get(sort) }
        return hashItems[key.partition]
    }

    /// Inserts or replaces the item at `key`; returns the previous one.
    @discardableResult
    mutating func put(_ key: PrimaryKey, _ item: StoredItem) -> StoredItem? {
        let old: StoredItem?
        if let sort = key.sort {
            if partitions[key.partition] == nil { partitionOrder = nil }
            old = partitions[key.partition, default: SortedPartition()].put(sort, item)
        } else {
            old = hashItems.updateValue(item, forKey: key.partition)
            if old == nil { partitionOrder = nil }
        }
        if let old { byteCount -= old.size } else { itemCount += 1 }
        byteCount += item.size
        return old
    }

    /// Removes the item at `key`; returns it.
    @discardableResult
    mutating func remove(_ key: PrimaryKey, lsn: UInt64) -> StoredItem? {
        let old: StoredItem?
        if let sort = key.sort {
            old = partitions[key.partition]?.remove(sort)
            if partitions[key.partition]?.isEmpty == true {
                partitions[key.partition] = nil
                partitionOrder = nil
            }
        } else {
            old = hashItems.removeValue(forKey: key.partition)
            if old != nil { partitionOrder = nil }
        }
        if let old {
            itemCount -= 1
            byteCount -= old.size
            lastRemovalLSN = max(lastRemovalLSN, lsn)
        }
        return old
    }

    /// Gives `body` the table in place: reached through a dictionary's optional-chaining `modify`
    /// accessor, it costs one lookup and no copy (a plain read copies the table's references).
    mutating func access(_ body: (inout TableData) -> Void) {
        body(&self)
    }

    /// Applies one mutation at `lsn`: the new item (with its expiry under this table's schema), or a removal.
    /// Returns the item it replaced or removed, and the new item's expiry.
    mutating func apply(_ mutation: Mutation, lsn: UInt64) -> (old: StoredItem?, expiresAt: Int64?) {
        guard let item = mutation.newItem else { return (remove(mutation.key, lsn: lsn), nil) }
        let expiresAt = StoredItem.expiry(of: item, schema: schema)
        return (put(mutation.key, StoredItem(item: item, lsn: lsn, expiresAt: expiresAt, size: mutation.size)), expiresAt)
    }

    /// Changes the time-to-live attribute and re-derives every item's expiry from it.
    mutating func setTimeToLive(attribute: String?) {
        schema.timeToLiveAttribute = attribute
        let schema = self.schema
        hashItems.updateEach { $0.expiresAt = StoredItem.expiry(of: $0.item, schema: schema) }
        for key in partitions.keys {
            partitions[key]!.updateEach { $0.expiresAt = StoredItem.expiry(of: $0.item, schema: schema) }
        }
    }

    /// The partition with key `partition` (tables with a sort key).
    func partition(_ partition: KeyValue) -> SortedPartition? { partitions[partition] }

    /// Every item, in no particular order.
    func forEachItem(_ body: (PrimaryKey, StoredItem) throws -> Void) rethrows {
        if schema.sortKey == nil {
            try hashItems.forEach { key, item in try body(PrimaryKey(partition: key), item) }
        } else {
            for (partitionKey, partition) in partitions {
                for (sortKey, item) in zip(partition.keys, partition.items) {
                    try body(PrimaryKey(partition: partitionKey, sort: sortKey), item)
                }
            }
        }
    }

    /// Partition keys in key order.
    mutating func orderedPartitionKeys() -> [KeyValue] {
        if let partitionOrder { return partitionOrder }
        let order = (schema.sortKey == nil ? hashItems.keys : Array(partitions.keys)).sorted()
        partitionOrder = order
        return order
    }
}
