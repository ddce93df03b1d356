import Synchronization

/// The popularity baselines, kept up to date as events arrive: distinct buyers per item all-time and over a
/// recent window, and trending items — those whose interactions in the last few minutes rose furthest above
/// their rate in the hour before, after Amazon Personalize's Trending-Now recipe. Times are the events' own
/// (seconds since 1970), so replaying a history and feeding live events give the same answers.
public final class TrendTracker: Sendable {
    public struct Settings: Sendable, Equatable {
        /// The "now" that trending looks at: a window sliding with the clock. It compared whole hours before,
        /// so the console read "nothing rising" through a 15-minute run with flash sales (issue 21).
        public var risingSeconds: Double
        /// What "rising" is measured against: the rate over this much time before the rising window.
        public var baselineSeconds: Double
        /// The "recent" in recent best sellers.
        public var recentWindowSeconds: Double
        /// Interactions an item needs in the rising window to count as trending.
        public var minimumTrendingCount: Int

        public init(risingSeconds: Double = 600, baselineSeconds: Double = 3600, recentWindowSeconds: Double = 7 * 86_400,
                    minimumTrendingCount: Int = 3) {
            self.risingSeconds = risingSeconds
            self.baselineSeconds = baselineSeconds
            self.recentWindowSeconds = recentWindowSeconds
            self.minimumTrendingCount = minimumTrendingCount
        }

        /// Counts are kept in buckets a tenth of the rising window wide.
        var bucketSeconds: Double { risingSeconds / 10 }
        var risingBuckets: Int64 { 10 }
        var baselineBuckets: Int64 { max(1, Int64((baselineSeconds / bucketSeconds).rounded())) }
        /// How far back anything counts: the baseline, the rising window and the bucket being filled.
        var keptSeconds: Double { Double(risingBuckets + baselineBuckets + 1) * bucketSeconds }
    }

    private struct State {
        var buyers: [String: Set<String>] = [:]
        /// Per item, each buyer's latest purchase time, pruned to the recent window.
        var recentBuyers: [String: [String: Double]] = [:]
        /// Interaction counts per bucket index, per item: only the buckets trending still looks at are kept.
        var buckets: [Int64: [String: Int]] = [:]
        var latest: Double = 0
        /// The first interaction seen: before there is a past, nothing can be said to rise above it.
        var earliest: Double = .infinity
    }

    public let settings: Settings
    private let state = Mutex(State())

    public init(settings: Settings = Settings()) {
        self.settings = settings
    }

    /// Notes one interaction.
    public func record(user: String, item: String, at time: Double, isPurchase: Bool) {
        let bucket = Int64((time / settings.bucketSeconds).rounded(.down))
        let kept = settings.risingBuckets + settings.baselineBuckets + 1
        state.withLock { s in
            s.latest = max(s.latest, time)
            s.earliest = min(s.earliest, time)
            if isPurchase {
                s.buyers[item, default: []].insert(user)
                let previous = s.recentBuyers[item]?[user] ?? -.infinity
                if time > previous { s.recentBuyers[item, default: [:]][user] = time }
            }
            let current = Int64((s.latest / settings.bucketSeconds).rounded(.down))
            guard bucket > current - kept else { return }
            s.buckets[bucket, default: [:]][item, default: 0] += 1
            if s.buckets.count > Int(kept) + 1 { s.buckets = s.buckets.filter { $0.key > current - kept } }
        }
    }

    public func record(_ interaction: Interaction) {
        record(user: interaction.user, item: interaction.item, at: interaction.timestamp, isPurchase: interaction.isPurchase)
    }

    /// Items by distinct buyers, all-time, most first (ties by identifier).
    public func topSellers(_ k: Int) -> [(item: String, buyers: Int)] {
        let counts = state.withLock { $0.buyers.mapValues(\.count) }
        return Self.best(counts, k)
    }

    /// Items by distinct buyers over the recent window ending at `now`.
    public func recentTopSellers(_ k: Int, now: Double) -> [(item: String, buyers: Int)] {
        let since = now - settings.recentWindowSeconds
        let counts = state.withLock { s in
            for (item, buyers) in s.recentBuyers {
                let kept = buyers.filter { $0.value >= since }
                s.recentBuyers[item] = kept.isEmpty ? nil : kept
            }
            return s.recentBuyers.mapValues(\.count)
        }
        return Self.best(counts, k)
    }

    /// Items whose interactions over the rising window ending at `now` rose furthest above what their rate in
    /// the baseline before it predicts: score (rising − expected) / √(expected + 1), so both the jump and its
    /// size count; only items with at least `minimumTrendingCount` interactions in the rising window, and
    /// nothing while the tracker has seen no interaction before the rising window (everything would "rise").
    public func trending(_ k: Int, now: Double) -> [(item: String, score: Double)] {
        let current = Int64((now / settings.bucketSeconds).rounded(.down))
        let risingFrom = current - settings.risingBuckets + 1, baselineFrom = risingFrom - settings.baselineBuckets
        let (rising, baseline) = state.withLock { s -> ([String: Int], [String: Int]) in
            guard s.earliest < Double(risingFrom) * settings.bucketSeconds else { return ([:], [:]) }
            var rising: [String: Int] = [:], baseline: [String: Int] = [:]
            for (bucket, counts) in s.buckets where bucket >= baselineFrom && bucket <= current {
                if bucket >= risingFrom { rising.merge(counts, uniquingKeysWith: +) } else { baseline.merge(counts, uniquingKeysWith: +) }
            }
            return (rising, baseline)
        }
        let share = Double(settings.risingBuckets) / Double(settings.baselineBuckets)
        var scores: [String: Double] = [:]
        for (item, count) in rising where count >= settings.minimumTrendingCount {
            let expected = Double(baseline[item] ?? 0) * share
            guard Double(count) > expected else { continue }
            scores[item] = (Double(count) - expected) / (expected + 1).squareRoot()
        }
        return scores.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(k).map { ($0.key, $0.value) }
    }

    private static func best(_ counts: [String: Int], _ k: Int) -> [(item: String, buyers: Int)] {
        counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(k).map { ($0.key, $0.value) }
    }
}
