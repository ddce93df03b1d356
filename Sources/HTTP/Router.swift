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
    /// A value-type trie; the parameter child sits in a one-element array because a struct cannot hold
    /// an optional of itself directly.
    private struct Node: Sendable {
        var literals: [String: Node] = [:]
        var parameterName: String?
        var parameterChild: [Node] = []
        var routes: [String: Route] = [:]

        mutating func insert(_ route: Route, segments: ArraySlice<Substring>) {
            guard let segment = segments.first else {
                precondition(routes[route.method] == nil, "route \(route.name) registered twice")
                routes[route.method] = route
                return
            }
            if segment.hasPrefix("{"), segment.hasSuffix("}") {
                let name = String(segment.dropFirst().dropLast())
                precondition(parameterName == nil || parameterName == name,
                             "conflicting parameter names {\(parameterName ?? "")} and {\(name)} in \(route.pattern)")
                parameterName = name
                if parameterChild.isEmpty { parameterChild = [Node()] }
                parameterChild[0].insert(route, segments: segments.dropFirst())
            } else {
                literals[String(segment), default: Node()].insert(route, segments: segments.dropFirst())
            }
        }
    }

    private var root = Node()
    /// Every route, in registration order.
    public private(set) var routes: [Route] = []

    public init() {}

    /// Registers a route. Registering the same method and pattern twice, or two parameter names at one
    /// position, is a programming error.
    public mutating func add(_ method: String, _ pattern: String, _ handler: RouteHandler) {
        precondition(pattern.hasPrefix("/"), "route pattern must start with /: \(pattern)")
        let route = Route(method: method, pattern: pattern, handler: handler, index: routes.count)
        root.insert(route, segments: Self.segments(of: pattern)[...])
        routes.append(route)
    }

    public mutating func get(_ pattern: String, _ handler: RouteHandler) { add("GET", pattern, handler) }
    public mutating func post(_ pattern: String, _ handler: RouteHandler) { add("POST", pattern, handler) }
    public mutating func put(_ pattern: String, _ handler: RouteHandler) { add("PUT", pattern, handler) }
    public mutating func delete(_ pattern: String, _ handler: RouteHandler) { add("DELETE", pattern, handler) }

    /// Finds the route for `method` and the (still percent-encoded) `path`.
    public func match(method: String, path: String) -> RouteMatch {
        var parameters: [String: String] = [:]
        var failure: RouteMatch?
        let found = Self.walk(root, Self.segments(of: path)[...], &parameters, &failure)
        guard let node = found else { return failure ?? .notFound }
        if let route = node.routes[method] ?? (method == "HEAD" ? node.routes["GET"] : nil) {
            return .found(route, parameters: parameters)
        }
        if node.routes.isEmpty { return .notFound }
        var allowed = Set(node.routes.keys)
        if allowed.contains("GET") { allowed.insert("HEAD") }
        return .methodNotAllowed(allow: allowed.sorted())
    }

    private static func walk(_ node: Node, _ segments: ArraySlice<Substring>, _ parameters: inout [String: String],
                             _ failure: inout RouteMatch?) -> Node? {
        guard let segment = segments.first else { return node }
        if let child = node.literals[String(segment)] {
            return walk(child, segments.dropFirst(), &parameters, &failure)
        }
        guard let name = node.parameterName, !segment.isEmpty else { return nil }
        guard let decoded = percentDecode(String(segment)) else {
            failure = .malformedPath
            return nil
        }
        parameters[name] = decoded
        return walk(node.parameterChild[0], segments.dropFirst(), &parameters, &failure)
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
