import HTTP
import Synchronization

/// The HTTP server the core is being served by, filled in once it has started, so that status can report
/// on it although the routes are built before the server exists.
public final class ServerReference: Sendable {
    private let server = Mutex<HTTPServer?>(nil)

    public init() {}

    public func set(_ value: HTTPServer) { server.withLock { $0 = value } }
    public var current: HTTPServer? { server.withLock { $0 } }
}

extension Core {
    /// `/healthz`, `/status` and `/metrics`, answered on the event loop: they only read counters.
    public func addSystemRoutes(to router: inout Router, server: ServerReference) {
        router.get("/healthz", .immediate { [self] _, _ throws(HTTPError) in
            guard !isClosing else { throw HTTPError(status: 503, code: "shutting_down", message: "the core is shutting down") }
            return .text("ok")
        })
        router.get("/status", .immediate { [self] _, _ in
            let http = server.current
            let report = status(listening: http?.address, openConnections: http?.openConnections)
            return .json(report.json, status: report.overall == .down ? 503 : 200)
        })
        router.get("/metrics", .immediate { [self] _, _ in
            var response = HTTPResponse.text(metrics.prometheusText())
            response.headers.set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
            return response
        })
    }
}
