import Foundation
import Synchronization
import Telemetry

/// Per-queue message counts over time, for rates in stats and the console, and Prometheus counters.
final class BrokerActivity: Sendable {
    enum Event: String, CaseIterable, Sendable { case sent, received, deleted }

    private struct Series: Sendable {
        var rings: [Event: TimeSeriesRing]
        var counters: [Event: Counter]
    }

    private let registry: MetricsRegistry
    private let series = Mutex<[String: Series]>([:])

    init(registry: MetricsRegistry) { self.registry = registry }

    func record(_ event: Event, queue: String, count: Int, at date: Date) {
        guard count > 0 else { return }
        let entry = series.withLock { all in
            if let existing = all[queue] { return existing }
            var rings: [Event: TimeSeriesRing] = [:]
            var counters: [Event: Counter] = [:]
            for event in Event.allCases {
                rings[event] = TimeSeriesRing(capacity: 60)
                counters[event] = registry.counter("shopdeck_broker_messages_total", help: "Messages by queue and event.",
                                                   labels: ["queue": queue, "event": event.rawValue])
            }
            let created = Series(rings: rings, counters: counters)
            all[queue] = created
            return created
        }
        entry.rings[event]?.record(Double(count), at: date)
        entry.counters[event]?.increment(by: count)
    }

    /// Mean events per second over the last `seconds` whole seconds.
    func rate(_ event: Event, queue: String, at date: Date, seconds: Int = 10) -> Double {
        guard let ring = series.withLock({ $0[queue]?.rings[event] }) else { return 0 }
        let values = ring.values(at: date).dropLast().suffix(seconds)
        return values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
    }
}
