import Foundation
import Synchronization

/// Header values (name and value) already inspected by every detector and found clean: a browser sends the
/// same User-Agent and cookies with every request, so they need be read once. Kept whole (no hashes, so
/// nothing can collide its way past inspection), only short ones, and a shard is emptied when full.
/// Sharded by thread: the server's event loops each find their own shard, so they never wait on one
/// another for what is, per request, a lookup of a few hundred nanoseconds.
public final class CleanValueCache: Sendable {
    private final class Shard: Sendable {
        let values = Mutex<Set<ByteKey>>([])
    }

    private let shards: [Shard]
    public let capacity: Int
    public let longestValue: Int

    public init(capacity: Int = 4096, longestValue: Int = 1024, shards: Int = 8) {
        self.capacity = capacity
        self.longestValue = longestValue
        self.shards = (0..<max(1, shards)).map { _ in Shard() }
    }

    private var shard: Shard {
        // pthread_t is the thread's control block address; its low bits are alignment, so skip them.
        shards[Int((UInt(pthread_self()) >> 12) % UInt(shards.count))]
    }

    func contains(_ value: [UInt8]) -> Bool {
        guard value.count <= longestValue else { return false }
        let key = ByteKey(value)
        return shard.values.withLock { $0.contains(key) }
    }

    func insert(_ value: [UInt8]) {
        guard value.count <= longestValue else { return }
        let perShard = max(1, capacity / shards.count)
        let key = ByteKey(value)
        shard.values.withLock { set in
            if set.count >= perShard { set.removeAll(keepingCapacity: true) }
            set.insert(key)
        }
    }

    /// Values remembered across all shards (a value seen on two threads counts twice).
    public var count: Int { shards.reduce(0) { total, shard in total + shard.values.withLock { $0.count } } }
}
