import Addressing
/// What the server knows about a request besides its bytes.
public struct RequestContext: Sendable {
    /// Sent back as `X-Request-Id` and inside error bodies.
    public let requestId: String
    /// The TCP peer (the client, or the proxy in front of it).
    public let peer: SocketAddress
    /// The matched route pattern (`GET /api/products/{id}`), or `unmatched`.
    public let route: String
    /// Path parameters by name, percent-decoded.
    public let parameters: [String: String]
    /// What a `fastPath` route's fast half leaves for its slow half (the gateway's admission, say), so work
    /// done on the loop is not repeated in the task.
    public var attachment: (any Sendable)?

    public init(requestId: String, peer: SocketAddress, route: String = "unmatched", parameters: [String: String] = [:]) {
        self.requestId = requestId
        self.peer = peer
        self.route = route
        self.parameters = parameters
    }

    /// A path parameter; routes only match when every parameter is present, so a missing one is a programming error.
    public func parameter(_ name: String) -> String {
        guard let value = parameters[name] else { preconditionFailure("route \(route) has no parameter {\(name)}") }
        return value
    }

    /// The error response for this request.
    public func error(_ error: HTTPError) -> HTTPResponse {
        error.response(requestId: requestId)
    }
}
