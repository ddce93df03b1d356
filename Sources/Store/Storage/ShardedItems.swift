/// The items of a table without a sort key: a hash map split into `shardCount` dictionaries by key.
///
/// One dictionary of every item made single writes pay for the whole table, under the store's lock. Growing
/// it rehashed every item at each doubling: in `bench store`'s 64-writer puts, which add ~1.3 million keys, the
/// resizes were 5–10 % of the profile (2026-12-07), and each moved up to a million items in one write. And the
/// first write after a snapshot or an export took its copy copied the whole dictionary. Split, a write grows or
/// copies one shard: a 256th of the table. Measured with `bench store` (two alternating pairs, 2026-12-07): the
/// slowest 64-writer put took 40–47 ms split (the decrements' slowest, on a table of one item, took 32–47) against
/// 236–237 ms in one dictionary; the p99 rose from 0.70–0.83 to 0.83–0.99 ms, as many small growths replace a
/// few large ones; CPU per put moved by −1.3 to +0.5 µs over seven pairs, −0.3 on average.
///
/// The shard comes from a cheap hash of the key's bytes (FNV-1a, then a multiply to spread it). Keys are the
/// client's, but a key that picks a crowded shard costs what one dictionary always cost: each shard is an
/// ordinary `Dictionary`, with the standard library's seeded hashing.
struct ShardedItems: Sendable {
    static let shardCount = 256
    private var shards = [[KeyValue: StoredItem]](repeating: [:], count: shardCount)

    static func shard(of key: KeyValue) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ byte: UInt8) { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        switch key {
        case .string(let string):
            var string = string
            string.withUTF8 { bytes in for byte in bytes { mix(byte) } }
        case .number(let number):
            withUnsafeBytes(of: number.hashValue) { bytes in for byte in bytes { mix(byte) } }
        case .binary(let bytes):
            for byte in bytes { mix(byte) }
        }
        return Int(truncatingIfNeeded: (hash &* 0x9e37_79b9_7f4a_7c15) >> 56)
    }

    subscript(key: KeyValue) -> StoredItem? { shards[Self.shard(of: key)][key] }

    /// Inserts or replaces the item at `key`; returns the previous one.
    mutating func updateValue(_ item: StoredItem, forKey key: KeyValue) -> StoredItem? {
        shards[Self.shard(of: key)].updateValue(item, forKey: key)
    }

    /// Removes the item at `key`; returns it.
    mutating func removeValue(forKey key: KeyValue) -> StoredItem? {
        shards[Self.shard(of: key)].removeValue(forKey: key)
    }

    /// Every key, in no particular order.
    var keys: [KeyValue] { shards.flatMap(\.keys) }

    /// Every key and item, in no particular order.
    func forEach(_ body: (KeyValue, StoredItem) throws -> Void) rethrows {
        for shard in shards {
            for (key, item) in shard { try body(key, item) }
        }
    }

    /// Changes every item in place.
    mutating func updateEach(_ change: (inout StoredItem) -> Void) {
        for index in shards.indices {
            for position in shards[index].values.indices { change(&shards[index].values[position]) }
        }
    }
}
