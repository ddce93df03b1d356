import Addressing
import Foundation
import HTTP
import Shop
import Synchronization

/// Who is being throttled.
public enum ThrottleSubject: Hashable, Sendable {
    case apiKey(String)
    case anonymous(IPAddress)
}

/// The throttle's answer.
public enum ThrottleDecision: Sendable, Equatable {
    case allowed
    /// Over the rate (retry in a moment) or over the daily quota (retry tomorrow, UTC).
    case limited(retryAfterSeconds: Int, reason: String)
}

/// Token buckets and daily quotas, kept in memory and sharded so the event loops rarely meet on a lock.
/// Buckets that have refilled completely are dropped when a shard grows, since a full bucket is the same
/// as no bucket: memory stays bounded by the clients active in the last few seconds.
public final class Throttle: Sendable {
    private struct Bucket {
        var tokens: Double
        var refilledAt: Double
        var day: Int64
        var usedToday: Int
        /// When the bucket will be full again; past then it carries no information unless a quota counts.
        var fullAt: Double
        var countsQuota: Bool
    }

    private final class Shard: Sendable {
        let buckets = Mutex<[ThrottleSubject: Bucket]>([:])
    }

    private static let shardCount = 16
    private let shards: [Shard]
    /// Past this many buckets in one shard, full buckets are swept out.
    private let sweepThreshold: Int

    public init(sweepThreshold: Int = 4096) {
        shards = (0..<Self.shardCount).map { _ in Shard() }
        self.sweepThreshold = sweepThreshold
    }

    /// Takes one request's token for `subject` under `plan` at `now` (seconds since the epoch).
    public func admit(_ subject: ThrottleSubject, plan: UsagePlan, now: Double) -> ThrottleDecision {
        let day = Int64((now / 86_400).rounded(.down))
        let shard = shards[abs(subject.hashValue % Self.shardCount)]
        return shard.buckets.withLock { buckets in
            var bucket = buckets[subject] ?? Bucket(tokens: Double(plan.burst), refilledAt: now, day: day, usedToday: 0,
                                                    fullAt: now, countsQuota: plan.dailyQuota != nil)
            if bucket.day != day {
                bucket.day = day
                bucket.usedToday = 0
            }
            bucket.tokens = min(Double(plan.burst), bucket.tokens + max(0, now - bucket.refilledAt) * plan.rate)
            bucket.refilledAt = now
            defer {
                bucket.fullAt = now + (Double(plan.burst) - bucket.tokens) / max(plan.rate, 0.000_001)
                buckets[subject] = bucket
                if buckets.count > sweepThreshold { buckets = buckets.filter { $0.value.countsQuota || $0.value.fullAt > now } }
            }
            if let quota = plan.dailyQuota, bucket.usedToday >= quota {
                let secondsToMidnight = Int((Double(day + 1) * 86_400 - now).rounded(.up))
                return .limited(retryAfterSeconds: max(1, secondsToMidnight), reason: "daily quota of \(quota) requests used up; it resets at 00:00 UTC")
            }
            guard bucket.tokens >= 1 else {
                let wait = plan.rate > 0 ? (1 - bucket.tokens) / plan.rate : 86_400
                return .limited(retryAfterSeconds: max(1, Int(wait.rounded(.up))),
                                reason: "rate limit of \(Self.format(plan.rate)) requests/s (burst \(plan.burst)) exceeded")
            }
            bucket.tokens -= 1
            bucket.usedToday += 1
            return .allowed
        }
    }

    /// Requests counted today for an API key (for the admin listing).
    public func usedToday(_ subject: ThrottleSubject, now: Double) -> Int {
        let day = Int64((now / 86_400).rounded(.down))
        let shard = shards[abs(subject.hashValue % Self.shardCount)]
        return shard.buckets.withLock { buckets in
            guard let bucket = buckets[subject], bucket.day == day else { return 0 }
            return bucket.usedToday
        }
    }

    private static func format(_ rate: Double) -> String {
        rate == rate.rounded() ? String(Int(rate)) : String(rate)
    }
}
