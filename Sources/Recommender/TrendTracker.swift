import Synchronization

/// The popularity baselines, kept up to date as events arrive: distinct buyers per item all-time and over a
/// recent window, and trending items — those whose interaction count rose fastest between the last two
/// complete intervals, as Amazon Personalize's Trending-Now recipe ranks them. Times are the events' own
/// (seconds since 1970), so replaying a history and feeding live events give the same answers.
public final class TrendTracker: Sendable {
    public struct Settings: Sendable, Equatable {
        /// Width of a trending interval.
        public var intervalSeconds: Double
        /// The "recent" in recent best sellers.
        public var recentWindowSeconds: Double
        /// Interactions an item needs in the latest interval to count as trending.
        public var minimumTrendingCount: Int

        public init(intervalSeconds: Double = 3600, recentWindowSeconds: Double = 7 * 86_400, minimumTrendingCount: Int = 3) {
            self.intervalSeconds = intervalSeconds
            self.recentWindowSeconds = recentWindowSeconds
            self.minimumTrendingCount = minimumTrendingCount
        }
    }

    private struct State {
        var buyers: [String: Set<String>] = [:]
        /// Per item, each buyer's latest purchase time, pruned to the recent window.
        var recentBuyers: [String: [String: Double]] = [:]
        /// Interaction counts per interval index, per item: only the last few intervals are kept.
        var intervals: [Int64: [String: Int]] = [:]
        var latest: Double = 0
    }

    public let settings: Settings
    private let state = Mutex(State())
    static let intervalsKept: Int64 = 3

    public init(settings: Settings = Settings()) {
        self.settings = settings
    }

    /// Notes one interaction.
    public func record(user: String, item: String, at time: Double, isPurchase: Bool) {
        let interval = Int64((time / settings.intervalSeconds).rounded(.down))
        state.withLock { s in
            s.latest = max(s.latest, time)
            if isPurchase {
                s.buyers[item, default: []].insert(user)
                let previous = s.recentBuyers[item]?[user] ?? -.infinity
                if time > previous { s.recentBuyers[item, default: [:]][user] = time }
            }
            let current = Int64((s.latest / settings.intervalSeconds).rounded(.down))
            guard interval > current - Self.intervalsKept else { return }
            s.intervals[interval, default: [:]][item, default: 0] += 1
            if s.intervals.count > Int(Self.intervalsKept) + 1 {
                s.intervals = s.intervals.filter { $0.key > current - Self.intervalsKept }
            }
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

    /// Items whose interactions rose fastest from the interval before last to the last complete interval
    /// before `now`: score (latest − before) / √(before + 1), so both the jump and its size count; only
    /// items with at least `minimumTrendingCount` interactions in the latest interval.
    public func trending(_ k: Int, now: Double) -> [(item: String, score: Double)] {
        let current = Int64((now / settings.intervalSeconds).rounded(.down))
        let (latest, before) = state.withLock { ($0.intervals[current - 1] ?? [:], $0.intervals[current - 2] ?? [:]) }
        var scores: [String: Double] = [:]
        for (item, count) in latest where count >= settings.minimumTrendingCount {
            let previous = before[item] ?? 0
            guard count > previous else { continue }
            scores[item] = Double(count - previous) / Double(previous + 1).squareRoot()
        }
        return scores.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(k).map { ($0.key, $0.value) }
    }

    private static func best(_ counts: [String: Int], _ k: Int) -> [(item: String, buyers: Int)] {
        counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(k).map { ($0.key, $0.value) }
    }
}
