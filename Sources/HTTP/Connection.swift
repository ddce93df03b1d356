import Addressing
/// One client connection. Owned by the event loop that accepted it and touched only on that loop's thread.
final class Connection {
    enum Phase {
        /// Reading and answering requests.
        case open
        /// Response sent with `Connection: close`; once flushed, the connection closes.
        case closingAfterFlush
        /// Write side shut down after an error response; discarding input until the client closes or
        /// the linger timeout passes.
        case lingering(since: Double)
    }

    let fd: Int32
    /// Distinguishes this connection from a later one that reuses the same descriptor.
    let serial: UInt64
    let peer: SocketAddress
    /// The peer's address as the access log writes it, formatted once per connection rather than per request.
    private(set) lazy var peerText = peer.ip.description
    /// Whether this connection holds a slot in the connection limiter.
    let countsTowardLimits: Bool
    var parser: HTTPRequestParser
    var phase = Phase.open
    /// Set when the loop closes the socket; the descriptor number may already belong to a newer connection.
    var isClosed = false

    var output: [UInt8] = []
    var outputOffset = 0
    /// A deferred handler is running; no further request is taken until it answers (responses stay in order).
    var handlerRunning = false
    /// The client closed its side; answer what was asked and close.
    var peerClosedInput = false
    /// epoll has reported the peer's close (perhaps still queued behind unread data).
    var hangUpReported = false
    /// Reading stopped (handler running or output backlog); resume when that clears.
    var readPaused = false

    /// When the current request began: its first byte, or for the first request the moment the connection
    /// opened (seconds on the server clock).
    var requestStartedAt: Double
    /// When bytes last moved in either direction.
    var lastProgressAt: Double
    /// Whether any byte of the current request has arrived.
    var requestBegun = false
    var requestsReceived = 0

    init(fd: Int32, serial: UInt64, peer: SocketAddress, limits: HTTPLimits, countsTowardLimits: Bool, now: Double) {
        self.fd = fd
        self.serial = serial
        self.peer = peer
        self.countsTowardLimits = countsTowardLimits
        self.parser = HTTPRequestParser(limits: limits)
        self.requestStartedAt = now
        self.lastProgressAt = now
    }

    var hasPendingOutput: Bool { outputOffset < output.count }
    var pendingOutputBytes: Int { output.count - outputOffset }

    /// Nothing in progress: no request begun, no handler running, nothing to send.
    var isIdle: Bool {
        !handlerRunning && !hasPendingOutput && !parser.isMidRequest
    }

    var isOpenForRequests: Bool {
        if case .open = phase { return true }
        return false
    }
}
