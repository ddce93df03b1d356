import Foundation
import Synchronization

/// A rate-based rule like AWS WAF's: requests per client address over a sliding window (10-second buckets),
/// optionally only those matching a scope (method and path prefix). An address over the limit is refused
/// until its count in the window falls back under the limit; every request counts, refused ones too, so a
/// client that keeps flooding stays out. Memory is bounded: addresses idle for a whole window are dropped,
/// and past `maximumTracked` the oldest are dropped first.
public final class RateRule: Sendable {
    /// Which requests the rule counts; nil fields match anything.
    public struct Scope: Sendable, Equatable {
        public var method: String?
        public var pathPrefix: String?

        public init(method: String? = nil, pathPrefix: String? = nil) {
            self.method = method
            self.pathPrefix = pathPrefix
        }

        func matches(method: String, path: Substring) -> Bool {
            (self.method.map { $0 == method } ?? true) && (pathPrefix.map { path.hasPrefix($0) } ?? true)
        }

        public var description: String { [method, pathPrefix].compactMap { $0 }.joined(separator: " ") }
    }

    public struct Settings: Sendable, Equatable {
        public var limit: Int
        public var windowSeconds: Int

        public init(limit: Int, windowSeconds: Int) {
            self.limit = limit
            self.windowSeconds = windowSeconds
        }
    }

    private struct Counter {
        var buckets: [Int64: Int] = [:]
        var lastBucket: Int64 = 0
    }

    private final class Shard: Sendable {
        let counters = Mutex<[[UInt8]: Counter]>([:])
    }

    public let name: String
    public let scope: Scope?
    static let bucketSeconds: Int64 = 10
    static let maximumTracked = 200_000
    private let settings: Mutex<Settings>
    private let shards: [Shard]
    private let actionCode = Atomic<UInt8>(0)
    private let matchedCount = Atomic<Int>(0)

    /// Requests refused (or, in count mode, noted) by the rule since the start.
    public var matched: Int { matchedCount.load(ordering: .relaxed) }
    func noteMatch() { matchedCount.add(1, ordering: .relaxed) }

    public init(name: String, limit: Int, windowSeconds: Int, scope: Scope? = nil) {
        self.name = name
        self.scope = scope
        settings = Mutex(Settings(limit: limit, windowSeconds: windowSeconds))
        shards = (0..<16).map { _ in Shard() }
    }

    public var current: Settings { settings.withLock { $0 } }

    /// Changes the limit or the window (both checked by the caller).
    public func update(limit: Int?, windowSeconds: Int?) {
        settings.withLock { s in
            if let limit { s.limit = limit }
            if let windowSeconds { s.windowSeconds = windowSeconds }
        }
    }

    /// Counts a request from `address` (if in scope) and says whether the address is over the limit.
    func record(address: [UInt8], method: String, path: Substring, now: Date) -> Bool {
        guard scope?.matches(method: method, path: path) ?? true else { return false }
        let (limit, window) = settings.withLock { ($0.limit, Int64($0.windowSeconds)) }
        let bucket = Int64(now.timeIntervalSince1970) / Self.bucketSeconds
        let oldest = bucket - (window + Self.bucketSeconds - 1) / Self.bucketSeconds + 1
        return shard(for: address).counters.withLock { counters in
            var counter = counters[address] ?? Counter()
            counter.buckets[bucket, default: 0] += 1
            counter.lastBucket = bucket
            counter.buckets = counter.buckets.filter { $0.key >= oldest }
            let total = counter.buckets.values.reduce(0, +)
            counters[address] = counter
            if counters.count > Self.maximumTracked / shards.count { Self.prune(&counters, oldest: oldest) }
            return total > limit
        }
    }

    /// How many requests `address` has in the current window (for the console and tests).
    public func count(for address: [UInt8], now: Date) -> Int {
        let window = settings.withLock { Int64($0.windowSeconds) }
        let bucket = Int64(now.timeIntervalSince1970) / Self.bucketSeconds
        let oldest = bucket - (window + Self.bucketSeconds - 1) / Self.bucketSeconds + 1
        return shard(for: address).counters.withLock { $0[address]?.buckets.filter { $0.key >= oldest }.values.reduce(0, +) ?? 0 }
    }

    private func shard(for address: [UInt8]) -> Shard {
        var hasher = Hasher()
        hasher.combine(address)
        return shards[Int(UInt(bitPattern: hasher.finalize()) % UInt(shards.count))]
    }

    /// The rule's action, read on every request without a lock.
    public var action: RuleAction {
        get { RuleAction.allCases[Int(actionCode.load(ordering: .acquiring))] }
        set { actionCode.store(UInt8(RuleAction.allCases.firstIndex(of: newValue)!), ordering: .releasing) }
    }

    private static func prune(_ counters: inout [[UInt8]: Counter], oldest: Int64) {
        counters = counters.filter { $0.value.lastBucket >= oldest }
        let cap = maximumTracked / 32
        if counters.count > cap {
            let keep = counters.sorted { $0.value.lastBucket > $1.value.lastBucket }.prefix(cap)
            counters = Dictionary(uniqueKeysWithValues: keep.map { ($0.key, $0.value) })
        }
    }
}
