import Foundation
import HTTP
import Shop
import Synchronization

/// The HTTP server the core is being served by, filled in once it has started, so that status can report
/// on it although the routes are built before the server exists.
public final class ServerReference: Sendable {
    private let server = Mutex<HTTPServer?>(nil)

    public init() {}

    public func set(_ value: HTTPServer) { server.withLock { $0 = value } }
    public var current: HTTPServer? { server.withLock { $0 } }
}

extension ShopEdge {
    /// `/healthz`, `/status`, `/metrics` and `/openapi.yaml`, answered on the event loop: they only read.
    public func addSystemRoutes(to router: inout Router, server: ServerReference) {
        router.get("/healthz", .immediate { [self] _, _ throws(HTTPError) in
            guard !core.isClosing else { throw HTTPError(status: 503, code: "shutting_down", message: "the core is shutting down") }
            return .text("ok")
        })
        router.get("/status", .immediate { [self] _, _ in
            let http = server.current
            let report = core.status(listening: http?.address, openConnections: http?.openConnections)
            return .json(report.json, status: report.overall == .down ? 503 : 200)
        })
        let openAPI = Assets.read("openapi.yaml").map { [UInt8]($0) }
        router.get("/openapi.yaml", .immediate { _, _ throws(HTTPError) in
            guard let openAPI else { throw HTTPError.notFound("assets/openapi.yaml was not found; run from the repository or set SHOPDECK_ASSETS") }
            return HTTPResponse(status: 200, headers: ["Content-Type": "application/yaml"], body: openAPI)
        })
        router.get("/metrics", .immediate { [self] _, _ in
            var response = HTTPResponse.text(core.metrics.prometheusText())
            response.headers.set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
            return response
        })
    }
}
