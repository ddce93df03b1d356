/// How a route answers.
public enum RouteHandler: Sendable {
    /// Runs on the event loop: for answers that never wait (health, metrics, cached reads). Must not block.
    case immediate(@Sendable (HTTPRequest, RequestContext) throws(HTTPError) -> HTTPResponse)
    /// Runs as a task off the event loop: for anything that may wait (journal commits, long polls).
    case deferred(@Sendable (HTTPRequest, RequestContext) async throws(HTTPError) -> HTTPResponse)
    /// Tries `fast` on the event loop (a cache hit, a refusal); when it returns nil, runs `otherwise` as a task,
    /// with the context as `fast` left it.
    case fastPath(_ fast: @Sendable (HTTPRequest, inout RequestContext) throws(HTTPError) -> HTTPResponse?,
                  otherwise: @Sendable (HTTPRequest, RequestContext) async throws(HTTPError) -> HTTPResponse)
}

/// A registered route.
public struct Route: Sendable {
    public let method: String
    public let pattern: String
    public let handler: RouteHandler
    /// Position in registration order; the server keeps per-route metrics by it.
    public let index: Int

    /// `METHOD /pattern`, as metrics and logs name the route.
    public var name: String { "\(method) \(pattern)" }
}

/// The outcome of matching a request against the routes.
public enum RouteMatch: Sendable {
    case found(Route, parameters: [String: String])
    case notFound
    /// The path exists for other methods only.
    case methodNotAllowed(allow: [String])
    /// A path parameter is not valid percent-encoding.
    case malformedPath
}

/// Maps method and path to a handler. Patterns are literal segments and `{name}` parameters
/// (`/api/products/{id}/similar`); a literal segment wins over a parameter at the same depth.
/// `HEAD` is answered by the `GET` route when no `HEAD` route is registered.
public struct Router: Sendable {
    /// A trie kept flat, children named by index into `nodes`: matching reads nodes in place, where a trie of
    /// nested values copied (and retained) every node it passed — 6.6 % of the gateway route's CPU under wrk.
    private struct Node: Sendable {
        var literals: [String: Int] = [:]
        var parameterName: String?
        var parameterChild: Int?
        var routes: [String: Route] = [:]
    }

    private var nodes = [Node()]
    /// Every route, in registration order.
    public private(set) var routes: [Route] = []

    public init() {}

    /// Registers a route. Registering the same method and pattern twice, or two parameter names at one
    /// position, is a programming error.
    public mutating func add(_ method: String, _ pattern: String, _ handler: RouteHandler) {
        precondition(pattern.hasPrefix("/"), "route pattern must start with /: \(pattern)")
        let route = Route(method: method, pattern: pattern, handler: handler, index: routes.count)
        var current = 0
        for segment in Self.segments(of: pattern) {
            current = child(of: current, for: segment, in: route.pattern)
        }
        precondition(nodes[current].routes[route.method] == nil, "route \(route.name) registered twice")
        nodes[current].routes[route.method] = route
        routes.append(route)
    }

    /// The node under `parent` for a pattern segment, made if new.
    private mutating func child(of parent: Int, for segment: Substring, in pattern: String) -> Int {
        if segment.hasPrefix("{"), segment.hasSuffix("}") {
            let name = String(segment.dropFirst().dropLast())
            let existing = nodes[parent].parameterName
            precondition(existing == nil || existing == name, "conflicting parameter names {\(existing ?? "")} and {\(name)} in \(pattern)")
            nodes[parent].parameterName = name
            if let child = nodes[parent].parameterChild { return child }
            nodes.append(Node())
            nodes[parent].parameterChild = nodes.count - 1
            return nodes.count - 1
        }
        if let child = nodes[parent].literals[String(segment)] { return child }
        nodes.append(Node())
        nodes[parent].literals[String(segment)] = nodes.count - 1
        return nodes.count - 1
    }

    public mutating func get(_ pattern: String, _ handler: RouteHandler) { add("GET", pattern, handler) }
    public mutating func post(_ pattern: String, _ handler: RouteHandler) { add("POST", pattern, handler) }
    public mutating func put(_ pattern: String, _ handler: RouteHandler) { add("PUT", pattern, handler) }
    public mutating func delete(_ pattern: String, _ handler: RouteHandler) { add("DELETE", pattern, handler) }

    /// Finds the route for `method` and the (still percent-encoded) `path`. A literal segment is preferred
    /// to a parameter and never retried as one, so the work is one step per segment of the path.
    public func match(method: String, path: String) -> RouteMatch {
        var parameters: [String: String] = [:]
        var current = 0
        for segment in Self.segments(of: path) {
            if let child = nodes[current].literals[String(segment)] {
                current = child
                continue
            }
            guard let name = nodes[current].parameterName, let child = nodes[current].parameterChild, !segment.isEmpty else {
                return .notFound
            }
            guard let decoded = percentDecode(String(segment)) else { return .malformedPath }
            parameters[name] = decoded
            current = child
        }
        let routesHere = nodes[current].routes
        if let route = routesHere[method] ?? (method == "HEAD" ? routesHere["GET"] : nil) {
            return .found(route, parameters: parameters)
        }
        if routesHere.isEmpty { return .notFound }
        var allowed = Set(routesHere.keys)
        if allowed.contains("GET") { allowed.insert("HEAD") }
        return .methodNotAllowed(allow: allowed.sorted())
    }

    /// The `/`-separated segments after the leading slash, split on bytes (paths are ASCII on the wire).
    private static func segments(of path: String) -> [Substring] {
        let utf8 = path.utf8
        guard var start = utf8.indices.first.map({ utf8.index(after: $0) }), start < utf8.endIndex else { return [] }
        var result: [Substring] = []
        result.reserveCapacity(6)
        var index = start
        while index < utf8.endIndex {
            if utf8[index] == UInt8(ascii: "/") {
                result.append(path[start..<index])
                start = utf8.index(after: index)
            }
            index = utf8.index(after: index)
        }
        result.append(path[start..<utf8.endIndex])
        return result
    }
}
