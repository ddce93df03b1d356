import Synchronization

/// Label names and values attached to one series of a metric family, kept sorted by name.
public struct MetricLabels: Hashable, Sendable {
    public let pairs: [(name: String, value: String)]

    /// Labels from a dictionary; order does not matter.
    public init(_ labels: [String: String] = [:]) {
        pairs = labels.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
    }

    public static func == (lhs: MetricLabels, rhs: MetricLabels) -> Bool {
        lhs.pairs.elementsEqual(rhs.pairs) { $0.name == $1.name && $0.value == $1.value }
    }

    public func hash(into hasher: inout Hasher) {
        for pair in pairs {
            hasher.combine(pair.name)
            hasher.combine(pair.value)
        }
    }
}

/// What kind of metric a family is, as Prometheus names it.
public enum MetricKind: String, Sendable {
    case counter, gauge, histogram
}

/// One series: a metric object or a function read at scrape time.
enum MetricSeries: Sendable {
    case counter(Counter)
    case gauge(Gauge)
    case histogram(LatencyHistogram)
    case sampled(@Sendable () -> Double)
}

struct MetricFamily: Sendable {
    let name: String
    let help: String
    let kind: MetricKind
    var series: [MetricLabels: MetricSeries] = [:]
}

/// The process's metrics by name and labels. Asking twice for the same name and labels returns the same object,
/// so components can look their metrics up by name without sharing references.
public final class MetricsRegistry: Sendable {
    private let families = Mutex<[String: MetricFamily]>([:])

    public init() {}

    /// The counter `name{labels}`, created on first use.
    public func counter(_ name: String, help: String, labels: [String: String] = [:]) -> Counter {
        let series = lookUp(name, help: help, kind: .counter, labels: labels) { .counter(Counter()) }
        guard case .counter(let counter) = series else { preconditionFailure("\(name) is not a counter") }
        return counter
    }

    /// The gauge `name{labels}`, created on first use.
    public func gauge(_ name: String, help: String, labels: [String: String] = [:]) -> Gauge {
        let series = lookUp(name, help: help, kind: .gauge, labels: labels) { .gauge(Gauge()) }
        guard case .gauge(let gauge) = series else { preconditionFailure("\(name) is not a settable gauge") }
        return gauge
    }

    /// A gauge whose value is read from `read` whenever metrics are exposed (queue depth, live items).
    public func sampledGauge(_ name: String, help: String, labels: [String: String] = [:], read: @escaping @Sendable () -> Double) {
        families.withLock { all in
            var family = all[name] ?? MetricFamily(name: name, help: help, kind: .gauge)
            precondition(family.kind == .gauge, "\(name) is already registered as a \(family.kind)")
            family.series[MetricLabels(labels)] = .sampled(read)
            all[name] = family
        }
    }

    /// The latency histogram `name{labels}` (exposed in seconds), created on first use.
    public func histogram(_ name: String, help: String, labels: [String: String] = [:]) -> LatencyHistogram {
        let series = lookUp(name, help: help, kind: .histogram, labels: labels) { .histogram(LatencyHistogram()) }
        guard case .histogram(let histogram) = series else { preconditionFailure("\(name) is not a histogram") }
        return histogram
    }

    private func lookUp(_ name: String, help: String, kind: MetricKind, labels: [String: String],
                        make: () -> MetricSeries) -> MetricSeries {
        precondition(PrometheusText.isValidMetricName(name), "invalid metric name \(name)")
        let key = MetricLabels(labels)
        return families.withLock { all in
            var family = all[name] ?? MetricFamily(name: name, help: help, kind: kind)
            precondition(family.kind == kind, "\(name) is already registered as a \(family.kind)")
            if let existing = family.series[key] { return existing }
            let created = make()
            family.series[key] = created
            all[name] = family
            return created
        }
    }

    /// Every family, sorted by name, for exposition.
    func allFamilies() -> [MetricFamily] {
        families.withLock { Array($0.values) }.sorted { $0.name < $1.name }
    }

    /// The registry in Prometheus text exposition format 0.0.4.
    public func prometheusText() -> String {
        PrometheusText.render(allFamilies())
    }
}
