import Addressing
import HTTP
import Shop

/// The shop on HTTP: the gateway in front of the domain, every route, and the observer that feeds the
/// console's Traffic pane. The domain (`Core`) knows nothing of it; this is the only place the two meet.
public final class ShopEdge: Sendable {
    public let core: Core
    /// Client address → WAF → API key and throttle → edge cache, in front of `/api`.
    public let gateway: Gateway
    /// Pass as the HTTP server's `observer`: every answered request is counted in `core.traffic`.
    public let observer: TrafficObserver

    /// - Parameter inspector: the WAF's hook in the gateway; by default the core's own firewall.
    public init(core: Core, inspector: (any RequestInspector)? = nil) {
        self.core = core
        gateway = Gateway(addresses: ClientAddressResolver(trustedProxies: core.options.trustedProxies.compactMap(IPNetwork.init)),
                          inspector: inspector ?? WAFInspector(waf: core.waf), apiKeys: core.apiKeys, clock: core.options.clock,
                          metrics: core.metrics)
        observer = TrafficObserver(monitor: core.traffic)
        // A product an operator changed must not be answered from the cache for the rest of its TTL.
        core.observeProductChanges { [cache = gateway.cache] id in cache.invalidate("/api/products/\(id)") }
    }

    /// Every route: `/healthz`, `/status`, `/metrics`, `/openapi.yaml`, the shop's `/api` and the operators' `/admin`.
    public func router(server: ServerReference) -> Router {
        var router = Router()
        addSystemRoutes(to: &router, server: server)
        ShopRoutes(core: core, gateway: gateway).register(&router)
        AdminRoutes(core: core, gateway: gateway, server: server).register(&router)
        return router
    }
}

/// Counts each answered request in the console's traffic figures.
public struct TrafficObserver: RequestObserver {
    let monitor: TrafficMonitor

    public init(monitor: TrafficMonitor) {
        self.monitor = monitor
    }

    public func observe(_ request: AnsweredRequest) {
        monitor.record(method: request.method, route: request.route, status: request.status, microseconds: request.microseconds, peer: request.peer)
    }
}
