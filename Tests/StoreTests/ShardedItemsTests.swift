import FuzzSupport
import Testing
@testable import Store

/// `ShardedItems` against a plain dictionary: random puts, replacements and removals of string, number and
/// binary keys leave both holding the same items; keys spread over the shards; a copy is not disturbed by
/// later writes to the original.
@Suite struct ShardedItemsTests {
    static func item(_ value: Int) -> StoredItem {
        StoredItem(item: ["v": .number(Number(Int64(value)))], lsn: UInt64(value), expiresAt: nil, size: 8)
    }

    static func randomKey(_ generator: inout FuzzGenerator) -> KeyValue {
        switch generator.int(0...2) {
        case 0: .string("k\(generator.int(0...5_000))")
        case 1: .number(Number(Int64(generator.int(-2_000...2_000))))
        default: .binary((0..<generator.int(0...6)).map { _ in UInt8(generator.int(0...3)) })
        }
    }

    @Test func randomWritesLeaveTheSameItemsAsADictionary() {
        Fuzz.run("sharded items", defaultCases: 4) { generator, _ in
            var sharded = ShardedItems()
            var reference: [KeyValue: StoredItem] = [:]
            for step in 0..<20_000 {
                let key = Self.randomKey(&generator)
                if generator.chance(0.25) {
                    #expect(sharded.removeValue(forKey: key)?.lsn == reference.removeValue(forKey: key)?.lsn)
                } else {
                    #expect(sharded.updateValue(Self.item(step), forKey: key)?.lsn == reference.updateValue(Self.item(step), forKey: key)?.lsn)
                }
                #expect(sharded[key]?.lsn == reference[key]?.lsn)
            }
            #expect(Set(sharded.keys) == Set(reference.keys))
            #expect(sharded.keys.count == reference.count)
            var seen: [KeyValue: UInt64] = [:]
            sharded.forEach { key, item in seen[key] = item.lsn }
            #expect(seen == reference.mapValues(\.lsn))
            sharded.updateEach { $0.expiresAt = Int64($0.lsn) }
            sharded.forEach { _, item in #expect(item.expiresAt == Int64(item.lsn)) }
        }
    }

    @Test func keysLikeTheShopsSpreadOverEveryShard() {
        var sharded = ShardedItems()
        let count = 256 * 400
        for index in 0..<count { _ = sharded.updateValue(Self.item(index), forKey: .string("w64-\(index % 64)-\(index / 64)")) }
        var perShard = [Int](repeating: 0, count: ShardedItems.shardCount)
        for key in sharded.keys { perShard[ShardedItems.shard(of: key)] += 1 }
        // A fair spread puts ~400 keys in each shard; a hash that ignored part of the key would leave some empty.
        #expect(perShard.min()! > 250 && perShard.max()! < 600, "keys per shard \(perShard.min()!)–\(perShard.max()!)")
    }

    @Test func aCopyIsNotDisturbedByLaterWrites() {
        var original = ShardedItems()
        for index in 0..<1_000 { _ = original.updateValue(Self.item(index), forKey: .string("k\(index)")) }
        let copy = original
        for index in 0..<1_000 where index % 2 == 0 { _ = original.removeValue(forKey: .string("k\(index)")) }
        _ = original.updateValue(Self.item(5_000), forKey: .string("k1"))
        #expect(copy.keys.count == 1_000)
        #expect(copy[.string("k1")]?.lsn == 1)
        #expect(original.keys.count == 500)
        #expect(original[.string("k1")]?.lsn == 5_000)
    }
}
