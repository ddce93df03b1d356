import Journal
import Foundation

extension Store {
    /// The item with `key` (exactly the key attributes), or nil. Expired items are not returned.
    public func get(_ table: String, key: Item) async throws(StoreError) -> Item? {
        try await perform(.get) { (s, now) throws(StoreError) -> Decision<Item?> in
            try s.withTable(table) { (data) throws(StoreError) -> Decision<Item?> in
                let primaryKey = try data.schema.key(fromKeyAttributes: key)
                let stored = data.get(primaryKey)
                guard let stored, stored.isVisible(atEpochSecond: Self.epochSeconds(now)) else {
                    return .answer(nil, observedLSN: max(stored?.lsn ?? 0, data.lastRemovalLSN))
                }
                return .answer(stored.item, observedLSN: stored.lsn)
            }
        }
    }

    /// Writes `item` whole, replacing any item with the same key, if `condition` holds for the current item.
    /// Returns the item it replaced.
    @discardableResult
    public func put(_ table: String, _ item: Item, condition: Condition? = nil) async throws(StoreError) -> Item? {
        let encoded = try Self.validateItem(item, limit: options.maximumItemBytes)
        return try await perform(.put) { (s, now) throws(StoreError) -> Decision<Item?> in
            try s.withTable(table) { (data) throws(StoreError) -> Decision<Item?> in
                let key = try data.schema.key(ofItem: item)
                let (current, observed) = Self.visibleItem(data, key, now)
                if let condition, !condition.evaluate(on: current) {
                    return .reject(.conditionalCheckFailed(table: table, key: key, item: current), observedLSN: observed)
                }
                let batch = WriteBatch(timestampMillis: Self.millis(now), origin: .user,
                                       mutations: [Mutation(table: table, key: key, newItem: item, size: encoded.count, encoded: encoded)])
                return .commit(.write(batch), current)
            }
        }
    }

    /// Applies `update` to the item with `key` (creating it when missing) if `condition` holds. Returns the new item.
    @discardableResult
    public func update(_ table: String, key: Item, _ update: UpdateExpression, condition: Condition? = nil) async throws(StoreError) -> Item {
        let limit = options.maximumItemBytes
        return try await perform(.update) { (s, now) throws(StoreError) -> Decision<Item> in
            try s.withTable(table) { (data) throws(StoreError) -> Decision<Item> in
                let primaryKey = try data.schema.key(fromKeyAttributes: key)
                try update.validate(for: data.schema)
                let (current, observed) = Self.visibleItem(data, primaryKey, now)
                if let condition, !condition.evaluate(on: current) {
                    return .reject(.conditionalCheckFailed(table: table, key: primaryKey, item: current), observedLSN: observed)
                }
                let updated = try update.apply(to: current, key: key)
                let batch = WriteBatch(timestampMillis: Self.millis(now), origin: .user,
                                       mutations: [try Self.writing(updated, table: table, key: primaryKey, limit: limit)])
                return .commit(.write(batch), updated)
            }
        }
    }

    /// Deletes the item with `key` if `condition` holds. Returns the deleted item (nil if there was none).
    @discardableResult
    public func delete(_ table: String, key: Item, condition: Condition? = nil) async throws(StoreError) -> Item? {
        try await perform(.delete) { (s, now) throws(StoreError) -> Decision<Item?> in
            try s.withTable(table) { (data) throws(StoreError) -> Decision<Item?> in
                let primaryKey = try data.schema.key(fromKeyAttributes: key)
                let (current, observed) = Self.visibleItem(data, primaryKey, now)
                if let condition, !condition.evaluate(on: current) {
                    return .reject(.conditionalCheckFailed(table: table, key: primaryKey, item: current), observedLSN: observed)
                }
                guard data.get(primaryKey) != nil else { return .answer(nil, observedLSN: observed) }
                let batch = WriteBatch(timestampMillis: Self.millis(now), origin: .user,
                                       mutations: [Mutation(table: table, key: primaryKey, newItem: nil, size: 0)])
                return .commit(.write(batch), current)
            }
        }
    }

    /// The item at `key` as reads and conditions see it (nil if missing or expired), and the LSN the answer rests on.
    static func visibleItem(_ data: TableData, _ key: PrimaryKey, _ now: Date) -> (Item?, UInt64) {
        guard let stored = data.get(key) else { return (nil, data.lastRemovalLSN) }
        return (stored.isVisible(atEpochSecond: epochSeconds(now)) ? stored.item : nil, stored.lsn)
    }

    /// Checks what DynamoDB checks of an item and returns its encoding (whose length is the item's size).
    static func validateItem(_ item: Item, limit: Int) throws(StoreError) -> [UInt8] {
        for name in item.keys where name.isEmpty {
            throw .validation("attribute names must not be empty")
        }
        try checkDepth(.map(item), depth: 0)
        var writer = ByteWriter(capacity: 256)
        ItemCodec.write(item, to: &writer)
        guard writer.bytes.count <= limit else { throw .itemTooLarge(byteCount: writer.bytes.count, limit: limit) }
        return writer.bytes
    }

    /// A mutation that writes `item`, validated and encoded.
    static func writing(_ item: Item, table: String, key: PrimaryKey, limit: Int) throws(StoreError) -> Mutation {
        let encoded = try validateItem(item, limit: limit)
        return Mutation(table: table, key: key, newItem: item, size: encoded.count, encoded: encoded)
    }

    private static func checkDepth(_ value: AttributeValue, depth: Int) throws(StoreError) {
        switch value {
        case .list(let list):
            guard depth < 32 else { throw .validation("items may nest lists and maps at most 32 levels deep") }
            for element in list { try checkDepth(element, depth: depth + 1) }
        case .map(let map):
            guard depth < 32 else { throw .validation("items may nest lists and maps at most 32 levels deep") }
            for element in map.values { try checkDepth(element, depth: depth + 1) }
        default:
            return
        }
    }
}
