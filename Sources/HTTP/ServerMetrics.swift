import Addressing
import Foundation
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
///
/// Each event loop keeps its own buffer and hands it to the log in one batch when it fills or at the loop's
/// next periodic check (a few times a second), so logging costs a system call per batch, not per request.
struct AccessLog: Sendable {
    let logger: Logger

    static let batchLines = 256

    /// The loop's unwritten lines and its cached timestamp.
    struct Buffer {
        var text: [UInt8] = []
        var lines = 0
        var millisecond: Int64 = -1
        var timestamp = ""
    }

    func record(into buffer: inout Buffer, now: Double, method: String, target: String, status: Int, bytes: Int,
                microseconds: UInt64, peer: String, requestId: String) {
        let millisecond = Int64((now * 1000).rounded(.down))
        if millisecond != buffer.millisecond {
            buffer.millisecond = millisecond
            buffer.timestamp = Logger.timestamp(Date(timeIntervalSince1970: Double(millisecond) / 1000))
        }
        logger.appendLine(.info, "\(method) \(Self.redacted(target)) \(status)", fields: [
            ("bytes", String(bytes)),
            ("client", peer),
            ("ms", Self.milliseconds(microseconds)),
            ("requestId", requestId),
            ("status", String(status)),
        ], timestamp: buffer.timestamp, to: &buffer.text)
        buffer.lines += 1
        if buffer.lines >= Self.batchLines { flush(&buffer) }
    }

    /// `microseconds` in milliseconds, exactly, with at most three decimals and at least one (`0.25`, `12.0`,
    /// `1234.567`): the text `Double.description` gives for any latency a server sees, made without floating
    /// point, whose formatting was a tenth of the access log's cost under wrk.
    static func milliseconds(_ microseconds: UInt64) -> String {
        var fraction = microseconds % 1000
        var digits = 3
        while digits > 1, fraction % 10 == 0 {
            fraction /= 10
            digits -= 1
        }
        let fractionText = String(fraction)
        return String(microseconds / 1000) + "." + String(repeating: "0", count: digits - fractionText.utf8.count) + fractionText
    }

    func flush(_ buffer: inout Buffer) {
        guard buffer.lines > 0 else { return }
        logger.write(text: buffer.text)
        buffer.text.removeAll(keepingCapacity: true)
        buffer.lines = 0
    }

    static let secretNameParts = ["pass", "pwd", "token", "secret", "key", "auth", "session", "signature"].map { Array($0.utf8) }

    static func redacted(_ target: String) -> String {
        guard let question = target.utf8.firstIndex(of: UInt8(ascii: "?")) else { return target }
        let query = target[target.utf8.index(after: question)...].split(separator: "&", omittingEmptySubsequences: false).map { pair -> String in
            guard let equals = pair.utf8.firstIndex(of: UInt8(ascii: "=")) else { return String(pair) }
            let rawName = String(pair[..<equals])
            let name = Array((percentDecode(rawName, plusAsSpace: true) ?? rawName).utf8.map(HTTPHeaders.lowercase))
            let secret = secretNameParts.contains { part in
                name.count >= part.count && (0...(name.count - part.count)).contains { name[$0..<($0 + part.count)].elementsEqual(part) }
            }
            return secret ? "\(rawName)=[redacted]" : String(pair)
        }
        return target[..<question] + "?" + query.joined(separator: "&")
    }
}
