/// The server's limits on what a client may send and hold, all configurable.
public struct HTTPLimits: Sendable {
    /// Longest request line (method, target, version); beyond it: 414.
    public var maxRequestLineBytes = 8 * 1024
    /// Largest header section; beyond it: 431.
    public var maxHeaderBytes = 32 * 1024
    /// Most header fields; beyond it: 431.
    public var maxHeaderCount = 100
    /// Largest request body; beyond it: 413.
    public var maxBodyBytes = 1 << 20
    /// Seconds a client has to send a complete header section once it has connected or started a request;
    /// past it the connection is closed (with 408 if a request had begun) — a slowloris client is cut off.
    public var headerReadTimeout: Double = 10
    /// Seconds a client has to finish sending a body once its header section is complete; past it: 408.
    public var bodyReadTimeout: Double = 30
    /// Seconds an idle keep-alive connection is kept; also how long a client that stops reading a response
    /// may stall before the connection is dropped.
    public var idleTimeout: Double = 60
    /// After an error response, seconds the server keeps reading (and discarding) what the client still sends
    /// before closing, so the client sees the response instead of a reset.
    public var lingerTimeout: Double = 2
    /// Response bytes queued for a client that is not reading before the server stops taking its next
    /// pipelined request.
    public var maxPendingOutputBytes = 1 << 20
    /// Most open connections in total; beyond it new connections get 503.
    public var maxConnections = 10_000
    /// Most open connections from one client IP; beyond it: 503.
    public var maxConnectionsPerIP = 512

    public init() {}
}

/// Why a request could not be parsed, with the status to answer (the connection is then closed).
public struct HTTPParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    public var reason: String

    public init(_ status: Int, _ reason: String) {
        self.status = status
        self.reason = reason
    }

    public var description: String { "\(status): \(reason)" }
}
