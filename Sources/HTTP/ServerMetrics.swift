import Telemetry

/// Per-route request counts by status class and latency, plus connection-level counters, registered in a
/// `MetricsRegistry` when the server is built so that the request path only touches atomics.
final class ServerMetrics: Sendable {
    struct RouteSeries: Sendable {
        /// Indexed by status class: 0 for 1xx … 4 for 5xx.
        let byClass: [Counter]
        let latency: LatencyHistogram

        func record(status: Int, microseconds: UInt64) {
            byClass[min(max(status / 100 - 1, 0), 4)].increment()
            latency.record(microseconds: microseconds)
        }
    }

    private let routes: [RouteSeries]
    /// Requests that matched no route (404, 405) or were refused before routing (400, 413…).
    let unmatched: RouteSeries
    let accepted: Counter
    let refusedAtCapacity: Counter
    let timedOut: Counter
    let malformed: Counter

    init(registry: MetricsRegistry, router: Router, openConnections: @escaping @Sendable () -> Double) {
        func series(_ name: String) -> RouteSeries {
            RouteSeries(
                byClass: (1...5).map { registry.counter("shopdeck_http_requests_total", help: "HTTP requests answered, by route and status class",
                                                        labels: ["route": name, "status": "\($0)xx"]) },
                latency: registry.histogram("shopdeck_http_request_duration_seconds", help: "Time from a complete request to its response",
                                            labels: ["route": name]))
        }
        routes = router.routes.map { series($0.name) }
        unmatched = series("unmatched")
        accepted = registry.counter("shopdeck_http_connections_accepted_total", help: "TCP connections accepted")
        refusedAtCapacity = registry.counter("shopdeck_http_connections_refused_total", help: "Connections answered 503 because a connection limit was reached")
        timedOut = registry.counter("shopdeck_http_timeouts_total", help: "Connections closed by a header, body or idle timeout")
        malformed = registry.counter("shopdeck_http_malformed_requests_total", help: "Requests refused by the parser (400, 413, 414, 431…)")
        registry.sampledGauge("shopdeck_http_open_connections", help: "Open client connections", read: openConnections)
    }

    func series(for route: Route?) -> RouteSeries {
        route.map { routes[$0.index] } ?? unmatched
    }
}

/// One line per answered request, without secrets: no header values are logged, and query parameters whose
/// names suggest a secret (password, token, key…) have their values replaced.
struct AccessLog: Sendable {
    let logger: Logger

    func record(method: String, target: String, status: Int, bytes: Int, microseconds: UInt64, peer: SocketAddress, requestId: String) {
        logger.info("\(method) \(Self.redacted(target)) \(status)", [
            "status": String(status),
            "bytes": String(bytes),
            "ms": String(Double(microseconds) / 1000),
            "client": peer.ip.description,
            "requestId": requestId,
        ])
    }

    static func redacted(_ target: String) -> String {
        guard let question = target.firstIndex(of: "?") else { return target }
        let query = target[target.index(after: question)...].split(separator: "&", omittingEmptySubsequences: false).map { pair -> String in
            guard let equals = pair.firstIndex(of: "=") else { return String(pair) }
            let name = (percentDecode(String(pair[..<equals]), plusAsSpace: true) ?? String(pair[..<equals])).lowercased()
            let secret = ["pass", "pwd", "token", "secret", "key", "auth", "session", "signature"].contains { name.contains($0) }
            return secret ? "\(pair[..<equals])=[redacted]" : String(pair)
        }
        return target[..<question] + "?" + query.joined(separator: "&")
    }
}
