import Foundation

/// Which of `count` shards the calling thread uses, for state that every event loop updates on every request
/// (caches, counters): each thread mostly finds its own shard and does not wait on the others' lock.
public enum ThreadShard {
    public static func index(count: Int) -> Int {
        // pthread_t is the thread's control block address; its low bits are alignment, so skip them.
        Int((UInt(pthread_self()) >> 12) % UInt(max(1, count)))
    }
}
