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

    /// One address's requests in the window, oldest bucket first, and whether it is being refused.
    private struct Counter {
        var buckets: [(index: Int64, count: Int)] = []
        var total = 0
        var limitedSince: Date?
        var refused = 0
        var clientIP = ""

        /// Drops buckets that have slid out of the window.
        mutating func slide(oldest: Int64) {
            var expired = 0
            while expired < buckets.count, buckets[expired].index < oldest {
                total -= buckets[expired].count
                expired += 1
            }
            if expired > 0 { buckets.removeFirst(expired) }
        }

        var lastBucket: Int64 { buckets.last?.index ?? Int64.min }

        /// Counts one request in `bucket`; true if that puts the address over `limit`.
        mutating func add(bucket: Int64, oldest: Int64, limit: Int, now: Date, clientIP: @autoclosure () -> String) -> Bool {
            slide(oldest: oldest)
            if lastBucket == bucket { buckets[buckets.count - 1].count += 1 } else { buckets.append((bucket, 1)) }
            total += 1
            guard total > limit else {
                limitedSince = nil
                return false
            }
            if limitedSince == nil {
                limitedSince = now
                refused = 0
                self.clientIP = clientIP()
            }
            refused += 1
            return true
        }
    }

    private final class Shard: Sendable {
        let counters = Mutex<[ByteKey: Counter]>([:])
    }

    public let name: String
    public let scope: Scope?
    static let bucketSeconds: Int64 = 10
    static let maximumTracked = 200_000
    private let settings: Mutex<Settings>
    private let shards: [Shard]
    private let actionCell = RuleActionCell()

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

    /// Counts a request from `address` (if in scope); the address's requests in the window if that is
    /// over the limit, nil if not.
    func record(address: [UInt8], clientIP: @autoclosure () -> String, method: String, path: Substring, now: Date) -> Int? {
        guard scope?.matches(method: method, path: path) ?? true else { return nil }
        let (limit, window) = settings.withLock { ($0.limit, Int64($0.windowSeconds)) }
        let bucket = Self.bucket(now)
        let oldest = Self.oldestBucket(current: bucket, windowSeconds: window)
        return shard(for: address).counters.withLock { counters in
            let key = ByteKey(address)
            let over = counters[key, default: Counter()].add(bucket: bucket, oldest: oldest, limit: limit, now: now, clientIP: clientIP())
            let total = counters[key]?.total ?? 0
            if counters.count > Self.maximumTracked / shards.count { Self.prune(&counters, oldest: oldest) }
            return over ? total : nil
        }
    }

    static func bucket(_ date: Date) -> Int64 { Int64(date.timeIntervalSince1970.rounded(.down)) / bucketSeconds }

    /// The first bucket still inside a window ending in bucket `current`.
    static func oldestBucket(current: Int64, windowSeconds: Int64) -> Int64 {
        current - (windowSeconds + bucketSeconds - 1) / bucketSeconds + 1
    }

    /// The addresses the rule refuses now, as blocks of one address with the rule's name as source: since when, how
    /// many requests it refused, and when the address gets back in if it stops sending (its oldest
    /// requests sliding out of the window).
    public func limitedAddresses(now: Date) -> [IPBlock] {
        let (limit, window) = settings.withLock { ($0.limit, Int64($0.windowSeconds)) }
        let oldest = Self.oldestBucket(current: Self.bucket(now), windowSeconds: window)
        let windowBuckets = (window + Self.bucketSeconds - 1) / Self.bucketSeconds
        return shards.flatMap { shard in
            shard.counters.withLock { counters in
                counters.compactMap { key, original -> IPBlock? in
                    let address = key.bytes
                    var counter = original
                    counter.slide(oldest: oldest)
                    guard let since = counter.limitedSince, counter.total > limit else { return nil }
                    var remaining = counter.total
                    var release = Date(timeIntervalSince1970: Double((counter.lastBucket + windowBuckets) * Self.bucketSeconds))
                    for bucket in counter.buckets {
                        remaining -= bucket.count
                        if remaining <= limit {
                            release = Date(timeIntervalSince1970: Double((bucket.index + windowBuckets) * Self.bucketSeconds))
                            break
                        }
                    }
                    return IPBlock(cidr: "\(counter.clientIP)/\(address.count * 8)", network: address, prefixLength: address.count * 8,
                                   reason: "\(counter.total) requests in \(window) s, over \(name)'s limit of \(limit)", source: name,
                                   createdAt: since, expiresAt: release, hits: counter.refused)
                }
            }
        }.sorted { $0.createdAt < $1.createdAt }
    }

    /// The addresses whose requests in the current window are over `limit` — a proposed limit: what the rule
    /// would refuse now with it — as address bytes (4 or 16), busiest first, at most `maximum`.
    public func addresses(over limit: Int, now: Date, maximum: Int) -> [(address: [UInt8], count: Int)] {
        let window = settings.withLock { Int64($0.windowSeconds) }
        let oldest = Self.oldestBucket(current: Self.bucket(now), windowSeconds: window)
        let over = shards.flatMap { shard in
            shard.counters.withLock { counters in
                counters.compactMap { key, original -> (address: [UInt8], count: Int)? in
                    var counter = original
                    counter.slide(oldest: oldest)
                    return counter.total > limit ? (key.bytes, counter.total) : nil
                }
            }
        }
        return Array(over.sorted { $0.count > $1.count }.prefix(maximum))
    }

    /// Forgets `address`'s requests, letting it back in at once (an operator's unblock); false if the
    /// rule was not refusing it.
    @discardableResult
    public func forgive(_ address: [UInt8]) -> Bool {
        let limit = settings.withLock { $0.limit }
        return shard(for: address).counters.withLock { counters in
            guard let counter = counters.removeValue(forKey: ByteKey(address)) else { return false }
            return counter.limitedSince != nil && counter.total > limit
        }
    }

    /// How many requests `address` has in the current window (for the console and tests).
    public func count(for address: [UInt8], now: Date) -> Int {
        let window = settings.withLock { Int64($0.windowSeconds) }
        let oldest = Self.oldestBucket(current: Self.bucket(now), windowSeconds: window)
        return shard(for: address).counters.withLock { counters in
            guard var counter = counters[ByteKey(address)] else { return 0 }
            counter.slide(oldest: oldest)
            return counter.total
        }
    }

    private func shard(for address: [UInt8]) -> Shard {
        var hasher = Hasher()
        address.withUnsafeBytes { hasher.combine(bytes: $0) }
        return shards[Int(UInt(bitPattern: hasher.finalize()) % UInt(shards.count))]
    }

    /// The rule's action, read on every request without a lock.
    public var action: RuleAction {
        get { actionCell.value }
        set { actionCell.value = newValue }
    }

    private static func prune(_ counters: inout [ByteKey: Counter], oldest: Int64) {
        counters = counters.filter { $0.value.lastBucket >= oldest }
        let cap = maximumTracked / 32
        if counters.count > cap {
            let keep = counters.sorted { $0.value.lastBucket > $1.value.lastBucket }.prefix(cap)
            counters = Dictionary(uniqueKeysWithValues: keep.map { ($0.key, $0.value) })
        }
    }
}
