import Foundation
import Synchronization
import Telemetry

/// The Traffic pane's figures further back than its sliding minute, for the console's time window (5 min,
/// 1 h, 24 h): each 10-second slot, as it leaves the traffic monitor's live window, is added into a record of
/// its minute (the last hour) and of its ten minutes (the last day). Bounded: 60 + 144 records, each with
/// two latency histograms and its `keysKept` busiest routes and clients — about 2 MB in all.
final class TrafficHistory: Sendable {
    /// Figures of a stretch of time: a 10-second slot as the monitor hands it over, or the sum of several.
    struct Part {
        /// The stretch's start, in seconds since 1970.
        var start: Int64
        var requests = 0
        var errors = 0
        var statusClasses = [Int](repeating: 0, count: 6)
        var latencies = HistogramSnapshot()
        var passwordLatencies = HistogramSnapshot()
        var routes: [String: Int] = [:]
        var clients: [String: Int] = [:]

        /// Adds `other`'s figures, keeping the busiest routes and clients.
        mutating func add(_ other: Part) {
            requests += other.requests
            errors += other.errors
            for index in statusClasses.indices { statusClasses[index] += other.statusClasses[index] }
            latencies.merge(other.latencies)
            passwordLatencies.merge(other.passwordLatencies)
            routes = TrafficHistory.busiest(routes.merging(other.routes, uniquingKeysWith: +))
            clients = TrafficHistory.busiest(clients.merging(other.clients, uniquingKeysWith: +))
        }
    }

    /// A minute's or ten minutes' figures.
    struct Record {
        var index: Int64 = .min
        var figures = Part(start: 0)
    }

    /// Routes and clients a record keeps: the window's top ten are exact unless a key was outside a slot's
    /// busiest fifty, which the ten busiest of a window rarely are.
    static let keysKept = 50
    static let minutes = 60
    static let tenMinutes = 144

    private let state = Mutex((minutes: [Record](repeating: Record(), count: TrafficHistory.minutes),
                               tenMinutes: [Record](repeating: Record(), count: TrafficHistory.tenMinutes)))

    func add(_ part: Part) {
        state.withLock { rings in
            Self.add(part, granularity: 60, into: &rings.minutes)
            Self.add(part, granularity: 600, into: &rings.tenMinutes)
        }
    }

    private static func add(_ part: Part, granularity: Int64, into ring: inout [Record]) {
        let index = part.start / granularity
        let position = Int(index.modulo(Int64(ring.count)))
        if ring[position].index != index { ring[position] = Record(index: index, figures: Part(start: index * granularity)) }
        ring[position].figures.add(part)
    }

    /// The records overlapping the last `seconds` before `now`: minutes for up to an hour, ten-minute
    /// records beyond; oldest first, with their granularity in seconds.
    func records(covering seconds: Int, now: Date) -> (records: [Record], granularity: Int) {
        let granularity = seconds <= Self.minutes * 60 ? 60 : 600
        let first = (Int64(now.timeIntervalSince1970) - Int64(seconds)) / Int64(granularity)
        let records = state.withLock { granularity == 60 ? $0.minutes : $0.tenMinutes }
        return (records.filter { $0.index != .min && $0.index >= first }.sorted { $0.index < $1.index }, granularity)
    }

    static func busiest(_ counts: [String: Int]) -> [String: Int] {
        guard counts.count > keysKept else { return counts }
        return Dictionary(uniqueKeysWithValues: counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(keysKept).map { ($0.key, $0.value) })
    }
}
