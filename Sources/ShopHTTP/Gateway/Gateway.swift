import Addressing
import Foundation
import HTTP
import Shop
import Telemetry

/// A request that has passed the gateway, as shop handlers see it.
public struct ShopRequest: Sendable {
    public let http: HTTPRequest
    public let context: RequestContext
    /// The client as resolved by the gateway (peer, or `X-Forwarded-For` behind a trusted proxy).
    public let clientIP: IPAddress
    /// The API key the request came with, if any.
    public let apiKey: APIKey?

    public var requestId: String { context.requestId }
    public func parameter(_ name: String) -> String { context.parameter(name) }
    /// A query parameter (the gateway has refused any request that repeats one).
    public func query(_ name: String) -> String? { http.queryParameters[name] }

    /// A query parameter that must be a whole number, if given: 422 naming it otherwise.
    public func integerQuery(_ name: String) throws(HTTPError) -> Int? {
        guard let text = query(name), !text.isEmpty else { return nil }
        guard let value = Int(text) else { throw HTTPError.invalidField("\(name) must be a whole number, not \(text.prefix(40))") }
        return value
    }
}

/// A shop handler: runs in a task once the gateway has let the request through. It may throw the shop's
/// own errors; the gateway answers them through `HTTPError.answering`.
public typealias ShopHandler = @Sendable (ShopRequest) async throws -> HTTPResponse

/// The gateway in front of `/api`: client address → WAF → throttling by usage plan → edge cache → handler.
/// Everything up to a cache hit runs on the event loop; only misses and uncached routes go to a task.
public final class Gateway: Sendable {
    public let addresses: ClientAddressResolver
    public let inspector: any RequestInspector
    public let throttle: Throttle
    public let apiKeys: APIKeyRegistry
    public let cache: EdgeCache
    private let clock: any WallClock
    private let blocked: Counter
    private let throttled: Counter
    /// Inspects the requests too large to inspect on an event loop: one thread, so that a flood of large
    /// bodies takes at most one core, and a bounded queue (503 past it).
    private let inspections = BlockingExecutor(threads: 1, name: "waf-inspect", maxQueued: 64)
    /// Requests with more inspected bytes than this are admitted off the event loop. Inspection costs at most
    /// about 0.1 µs per byte on adversarial input (`bench waf`), so what stays on the loop takes well under
    /// a millisecond and the loop's other connections do not wait behind it.
    public static let inlineInspectionBytes = 8 * 1024

    public init(addresses: ClientAddressResolver, inspector: any RequestInspector = PassThroughInspector(), throttle: Throttle = Throttle(),
                apiKeys: APIKeyRegistry, cache: EdgeCache = EdgeCache(), clock: any WallClock, metrics: MetricsRegistry) {
        self.addresses = addresses
        self.inspector = inspector
        self.throttle = throttle
        self.apiKeys = apiKeys
        self.cache = cache
        self.clock = clock
        blocked = metrics.counter("shopdeck_gateway_blocked_total", help: "Requests refused by the WAF")
        throttled = metrics.counter("shopdeck_gateway_throttled_total", help: "Requests refused with 429 by a usage plan")
        metrics.sampledGauge("shopdeck_edge_cache_entries", help: "Answers held by the edge cache") { [cache] in Double(cache.stats.entries) }
    }

    deinit {
        inspections.stop()
    }

    /// Whether a request is small enough to inspect on the event loop: its target, header values and body
    /// together hold at most `inlineInspectionBytes`.
    static func inspectsOnLoop(_ request: HTTPRequest) -> Bool {
        var bytes = request.body.count + request.target.utf8.count
        guard bytes <= inlineInspectionBytes else { return false }
        for field in request.headers.fields { bytes += field.value.utf8.count }
        return bytes <= inlineInspectionBytes
    }

    /// A parameter given twice is ambiguous — and servers that take the first and proxies that take the last
    /// disagree on which — so it is refused (422) rather than guessed.
    static func refuseRepeatedQueryParameters(_ request: HTTPRequest) throws(HTTPError) {
        if let name = request.repeatedQueryParameter {
            throw HTTPError.invalidField("the query parameter \(name.prefix(60)) is given more than once; give it once")
        }
    }

    /// `admit` for a large request, on the inspection thread; 503 when its queue is full.
    func admitOffLoop(_ request: HTTPRequest, _ context: RequestContext) async throws(HTTPError) -> ShopRequest {
        let outcome = await inspections.runIfNotSaturated { () -> Result<ShopRequest, HTTPError> in
            Result { () throws(HTTPError) in try self.admit(request, context) }
        }
        guard let outcome else {
            throw HTTPError(status: 503, code: "overloaded", message: "too many large requests are waiting for inspection; try again shortly",
                            headers: ["Retry-After": "1"])
        }
        return try outcome.get()
    }

    /// The admission a fast path left, or a fresh one off the loop for a request too large to inspect there.
    private func admitted(_ request: HTTPRequest, _ context: RequestContext) async throws(HTTPError) -> ShopRequest {
        if let admitted = context.attachment as? ShopRequest { return admitted }
        return try await admitOffLoop(request, context)
    }

    /// Lets a request in or refuses it (403 blocked, 403 unknown key, 429 throttled). Cheap and non-blocking.
    public func admit(_ request: HTTPRequest, _ context: RequestContext) throws(HTTPError) -> ShopRequest {
        try Self.refuseRepeatedQueryParameters(request)
        let clientIP = addresses.clientIP(peer: context.peer.ip, forwardedFor: request.headers["X-Forwarded-For"])
        if case .block(let rule, let message, let status) = inspector.inspect(request, clientIP: clientIP) {
            blocked.increment()
            throw HTTPError(status: status, code: "blocked", message: message, extra: ["rule": rule])
        }
        var key: APIKey?
        let subject: ThrottleSubject
        let plan: UsagePlan
        if let presented = request.headers["x-api-key"] {
            guard let found = apiKeys.lookup(presented) else {
                throw HTTPError(status: 403, code: "invalid_api_key", message: "the x-api-key header names no active API key")
            }
            key = found
            subject = .apiKey(found.id)
            plan = found.plan
        } else {
            subject = .anonymous(clientIP)
            plan = .anonymous
        }
        if case .limited(let retryAfter, let reason) = throttle.admit(subject, plan: plan, now: now) {
            throttled.increment()
            throw HTTPError(status: 429, code: "throttled", message: reason, headers: ["Retry-After": String(retryAfter)])
        }
        return ShopRequest(http: request, context: context, clientIP: clientIP, apiKey: key)
    }

    /// An `/api` route: the gateway, then `handler` in a task.
    public func route(_ handler: @escaping ShopHandler) -> RouteHandler {
        .fastPath({ [self] request, context throws(HTTPError) in
            if Self.inspectsOnLoop(request) { context.attachment = try admit(request, context) }
            return nil
        }, otherwise: { [self] request, context throws(HTTPError) in
            let admitted = try await admitted(request, context)
            return try await answering { try await handler(admitted) }
        })
    }

    /// An edge-cached `/api` GET: the gateway, then a fresh cached answer on the loop, or `origin` (one call per
    /// burst of identical misses), or a stale answer when the origin fails.
    public func cachedRoute(_ origin: @escaping @Sendable (ShopRequest) async throws -> CachedAnswer) -> RouteHandler {
        .fastPath({ [self] request, context throws(HTTPError) in
            guard Self.inspectsOnLoop(request) else { return nil }
            let admitted = try admit(request, context)
            if let answer = cache.fresh(request.target, now: now) { return answer.response(cache: "HIT", maxAge: cache.ttl) }
            context.attachment = admitted
            return nil
        }, otherwise: { [self] request, context throws(HTTPError) in
            let admitted = try await admitted(request, context)
            let (answer, stale) = try await cache.answer(request.target, now: now) { () throws(HTTPError) in try await answering { try await origin(admitted) } }
            return answer.response(cache: stale ? "STALE" : "MISS", maxAge: cache.ttl)
        })
    }

    private var now: Double { clock.now().timeIntervalSince1970 }
}
