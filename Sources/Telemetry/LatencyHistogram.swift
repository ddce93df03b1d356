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

    init(counts: [UInt64], count: UInt64, sumMicroseconds: UInt64, maxMicroseconds: UInt64, minMicroseconds: UInt64) {
        self.counts = counts
        self.count = count
        self.sumMicroseconds = sumMicroseconds
        self.maxMicroseconds = maxMicroseconds
        self.minMicroseconds = minMicroseconds
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

/// A thread-safe latency histogram, lock-free: every bucket is an atomic counter, so recording from many
/// threads at once costs a few atomic adds and never parks a thread.
public final class LatencyHistogram: Sendable {
    static let subBucketBits = 4
    static let subBucketCount = 1 << subBucketBits
    static let maxExponent = 40
    static let bucketCount = (maxExponent - subBucketBits + 2) * subBucketCount

    // Safety of sharing: the pointer is written once in init and freed in deinit; every access in between
    // goes through the atomics it points to.
    private nonisolated(unsafe) let buckets: UnsafeMutablePointer<Atomic<UInt64>>
    private let sum = Atomic<UInt64>(0)
    private let maximum = Atomic<UInt64>(0)
    private let minimum = Atomic<UInt64>(UInt64.max)

    public init() {
        buckets = .allocate(capacity: Self.bucketCount)
        for index in 0..<Self.bucketCount { (buckets + index).initialize(to: Atomic(0)) }
    }

    deinit {
        buckets.deinitialize(count: Self.bucketCount)
        buckets.deallocate()
    }

    /// Records one sample.
    public func record(microseconds value: UInt64) {
        buckets[Self.bucketIndex(microseconds: value)].wrappingAdd(1, ordering: .relaxed)
        sum.wrappingAdd(value, ordering: .relaxed)
        var current = maximum.load(ordering: .relaxed)
        while value > current {
            let (exchanged, original) = maximum.compareExchange(expected: current, desired: value, ordering: .relaxed)
            if exchanged { break }
            current = original
        }
        current = minimum.load(ordering: .relaxed)
        while value < current {
            let (exchanged, original) = minimum.compareExchange(expected: current, desired: value, ordering: .relaxed)
            if exchanged { break }
            current = original
        }
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

    /// The distribution so far. Samples recorded while the snapshot is taken may be partly included.
    public func snapshot() -> HistogramSnapshot {
        read(resetting: false)
    }

    /// Returns the distribution so far and starts a new one (for per-interval windows).
    public func drain() -> HistogramSnapshot {
        read(resetting: true)
    }

    private func read(resetting: Bool) -> HistogramSnapshot {
        var counts = [UInt64](repeating: 0, count: Self.bucketCount)
        for index in 0..<Self.bucketCount {
            counts[index] = resetting ? buckets[index].exchange(0, ordering: .relaxed) : buckets[index].load(ordering: .relaxed)
        }
        let total = counts.reduce(0, +)
        let sumValue = resetting ? sum.exchange(0, ordering: .relaxed) : sum.load(ordering: .relaxed)
        let maxValue = resetting ? maximum.exchange(0, ordering: .relaxed) : maximum.load(ordering: .relaxed)
        let minValue = resetting ? minimum.exchange(UInt64.max, ordering: .relaxed) : minimum.load(ordering: .relaxed)
        return HistogramSnapshot(counts: counts, count: total, sumMicroseconds: sumValue,
                                 maxMicroseconds: total == 0 ? 0 : maxValue, minMicroseconds: total == 0 ? 0 : min(minValue, maxValue))
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
