import Synchronization

/// The recorded distribution at one moment: counts per bucket plus exact count, sum and extremes.
///
/// Buckets are log-linear (16 linear steps per power of two of microseconds), so any percentile is
/// reported within about 6 % of the true value, from 1 µs up to about 12 days.
public struct HistogramSnapshot: Sendable, Equatable {
    /// Per-bucket counts, indexed as `LatencyHistogram.bucketIndex(microseconds:)` assigns.
    public private(set) var counts: [UInt64]
    /// Number of samples.
    public private(set) var count: UInt64 = 0
    /// Sum of all samples, in microseconds.
    public private(set) var sumMicroseconds: UInt64 = 0
    /// Largest sample, in microseconds (0 when empty).
    public private(set) var maxMicroseconds: UInt64 = 0
    /// Smallest sample, in microseconds (0 when empty).
    public private(set) var minMicroseconds: UInt64 = 0

    /// An empty distribution.
    public init() {
        counts = [UInt64](repeating: 0, count: LatencyHistogram.bucketCount)
    }

    mutating func add(microseconds value: UInt64) {
        counts[LatencyHistogram.bucketIndex(microseconds: value)] += 1
        minMicroseconds = count == 0 ? value : min(minMicroseconds, value)
        count += 1
        sumMicroseconds &+= value
        maxMicroseconds = max(maxMicroseconds, value)
    }

    /// Adds `other`'s samples to this one (for windows built from several intervals).
    public mutating func merge(_ other: HistogramSnapshot) {
        guard other.count > 0 else { return }
        for index in counts.indices { counts[index] += other.counts[index] }
        minMicroseconds = count == 0 ? other.minMicroseconds : min(minMicroseconds, other.minMicroseconds)
        count += other.count
        sumMicroseconds &+= other.sumMicroseconds
        maxMicroseconds = max(maxMicroseconds, other.maxMicroseconds)
    }

    /// The value below which a fraction `quantile` (0...1) of samples fall, in microseconds; 0 when empty.
    public func percentile(_ quantile: Double) -> UInt64 {
        guard count > 0 else { return 0 }
        let rank = max(1, UInt64((min(max(quantile, 0), 1) * Double(count)).rounded(.up)))
        var seen: UInt64 = 0
        for (index, bucketCount) in counts.enumerated() where bucketCount > 0 {
            seen += bucketCount
            if seen >= rank {
                let upper = LatencyHistogram.bucketUpperBound(index)
                return min(max(upper, minMicroseconds), maxMicroseconds)
            }
        }
        return maxMicroseconds
    }

    /// Mean sample in microseconds; 0 when empty.
    public var meanMicroseconds: Double { count == 0 ? 0 : Double(sumMicroseconds) / Double(count) }

    /// How many samples are at most `microseconds` (bucket resolution), for cumulative exposition.
    public func countAtOrBelow(microseconds limit: UInt64) -> UInt64 {
        var total: UInt64 = 0
        for (index, bucketCount) in counts.enumerated() where bucketCount > 0 {
            if LatencyHistogram.bucketUpperBound(index) <= limit { total += bucketCount } else { break }
        }
        return total
    }
}

/// A thread-safe latency histogram.
public final class LatencyHistogram: Sendable {
    static let subBucketBits = 4
    static let subBucketCount = 1 << subBucketBits
    static let maxExponent = 40
    static let bucketCount = (maxExponent - subBucketBits + 2) * subBucketCount

    private let state = Mutex(HistogramSnapshot())

    public init() {}

    /// Records one sample.
    public func record(microseconds: UInt64) {
        state.withLock { $0.add(microseconds: microseconds) }
    }

    /// Records one sample given in seconds.
    public func record(seconds: Double) {
        record(microseconds: seconds <= 0 ? 0 : UInt64(min(seconds * 1_000_000, Double(UInt64(1) << 62))))
    }

    /// Records one sample given as a `Duration`.
    public func record(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        record(microseconds: seconds < 0 ? 0 : UInt64(seconds) &* 1_000_000 &+ UInt64(attoseconds / 1_000_000_000_000))
    }

    /// The distribution so far.
    public func snapshot() -> HistogramSnapshot { state.withLock { $0 } }

    /// Returns the distribution so far and starts a new one (for per-interval windows).
    public func drain() -> HistogramSnapshot {
        state.withLock { s in
            let current = s
            s = HistogramSnapshot()
            return current
        }
    }

    static func bucketIndex(microseconds value: UInt64) -> Int {
        if value < UInt64(subBucketCount) { return Int(value) }
        let exponent = min(UInt64.bitWidth - value.leadingZeroBitCount - 1, maxExponent)
        let clamped = min(value, (UInt64(1) << (maxExponent + 1)) - 1)
        let sub = Int((clamped >> UInt64(exponent - subBucketBits)) & UInt64(subBucketCount - 1))
        return (exponent - subBucketBits + 1) * subBucketCount + sub
    }

    /// The largest value that falls into bucket `index`.
    static func bucketUpperBound(_ index: Int) -> UInt64 {
        if index < subBucketCount { return UInt64(index) }
        let exponent = index / subBucketCount + subBucketBits - 1
        let sub = UInt64(index % subBucketCount)
        let width = UInt64(1) << UInt64(exponent - subBucketBits)
        return (UInt64(1) << UInt64(exponent)) + (sub + 1) * width - 1
    }
}
