import Addressing
import CEventPoll
import Glibc

/// Why a client request failed.
public enum HTTPClientError: Error, Sendable, Equatable, CustomStringConvertible {
    case connectFailed(String)
    case timedOut(String)
    /// The server closed the connection before a complete response.
    case connectionClosed
    case malformedResponse(String)
    case io(String)

    public var description: String {
        switch self {
        case .connectFailed(let cause): "could not connect: \(cause)"
        case .timedOut(let phase): "timed out \(phase)"
        case .connectionClosed: "the server closed the connection before a complete response"
        case .malformedResponse(let cause): "malformed response: \(cause)"
        case .io(let cause): "socket error: \(cause)"
        }
    }
}

/// A request for the client to send.
public struct HTTPClientRequest: Sendable {
    public var method: String
    /// Origin-form target: path and query.
    public var target: String
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(method: String, target: String, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body
    }

    public static func get(_ target: String, headers: HTTPHeaders = HTTPHeaders()) -> HTTPClientRequest {
        HTTPClientRequest(method: "GET", target: target, headers: headers)
    }

    /// A POST with a JSON body.
    public static func post(_ target: String, json: String, headers: HTTPHeaders = HTTPHeaders()) -> HTTPClientRequest {
        var headers = headers
        headers.set("Content-Type", "application/json")
        return HTTPClientRequest(method: "POST", target: target, headers: headers, body: Array(json.utf8))
    }

    /// The request on the wire, with `Host` and `Content-Length` added.
    func encoded(host: String) -> [UInt8] {
        var text = "\(method) \(target) HTTP/1.1\r\n"
        if headers["Host"] == nil { text += "Host: \(host)\r\n" }
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if headers["Content-Length"] == nil, headers["Transfer-Encoding"] == nil, !body.isEmpty || method == "POST" || method == "PUT" {
            text += "Content-Length: \(body.count)\r\n"
        }
        text += "\r\n"
        return Array(text.utf8) + body
    }
}

/// One keep-alive client connection with blocking calls and timeouts. Use it from one thread at a time.
///
/// `@unchecked Sendable`: it holds mutable state without a lock, so it is only ever used by one thread at a
/// time — the owner that created it, or `HTTPClient`'s pool, which hands a connection to exactly one request
/// and takes it back afterwards.
public final class HTTPClientConnection: @unchecked Sendable {
    public let remote: SocketAddress
    public let source: IPAddress?
    /// Seconds allowed for connecting, and for each wait for the server during a request.
    public let timeout: Double
    private var fd: Int32
    private var parser: HTTPResponseParser
    private var atEOF = false

    /// Connects to `remote`, from `source` when given (any local address, such as 127.0.0.2, on loopback).
    public init(to remote: SocketAddress, from source: IPAddress? = nil, timeout: Double = 10,
                maxResponseBytes: Int = 64 << 20) throws(HTTPClientError) {
        self.remote = remote
        self.source = source
        self.timeout = timeout
        parser = HTTPResponseParser(maxBodyBytes: maxResponseBytes)
        let useIPv6 = !remote.ip.isIPv4
        do throws(SocketError) {
            fd = try Socket.makeTCP(family: useIPv6 ? AF_INET6 : AF_INET)
        } catch {
            throw .connectFailed(error.description)
        }
        Socket.setOption(fd, Int32(IPPROTO_TCP), TCP_NODELAY)
        // Failure paths below close through `close()`, which forgets the descriptor: a throwing initializer
        // still runs `deinit` once every stored property is set, and closing the number twice could close a
        // socket another thread opened in between.
        if let source {
            let bound = SocketAddress(ip: source, port: 0).withKernelAddress(asIPv6: useIPv6) { bind(fd, $0, $1) }
            guard bound == 0 else {
                let cause = SocketError("bind source \(source)").description
                close()
                throw .connectFailed(cause)
            }
        }
        let result = remote.withKernelAddress(asIPv6: useIPv6) { connect(fd, $0, $1) }
        if result != 0 {
            guard errno == EINPROGRESS else {
                let cause = SocketError("connect \(remote)").description
                close()
                throw .connectFailed(cause)
            }
            guard waitFor(Int16(POLLOUT), seconds: timeout) else {
                close()
                throw .timedOut("connecting to \(remote)")
            }
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
            guard error == 0 else {
                close()
                throw .connectFailed(SocketError("connect \(remote)", code: error).description)
            }
        }
    }

    deinit {
        if fd >= 0 { Glibc.close(fd) }
    }

    /// Whether the connection may carry another request.
    public var isOpen: Bool { fd >= 0 && !atEOF }

    /// Half-closes: tells the server no more requests will come, while its answers can still be read.
    public func shutdownOutput() {
        if fd >= 0 { shutdown(fd, Int32(SHUT_WR)) }
    }

    /// Whether the server has closed the connection (or sent bytes nobody asked for) while it sat idle: a
    /// pooled connection like that would fail the next request, which for a POST cannot be retried.
    var wentStale: Bool {
        guard fd >= 0 else { return true }
        var probe = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&probe, 1, 0) > 0 else { return false }
        var byte: UInt8 = 0
        let count = recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
        return count >= 0 || (errno != EAGAIN && errno != EINTR)
    }

    public func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    /// Sends a request and reads its response.
    public func send(_ request: HTTPClientRequest) throws(HTTPClientError) -> HTTPClientResponse {
        try sendRaw(request.encoded(host: remote.description))
        let response = try readResponse(requestWasHead: request.method == "HEAD")
        if !response.keepAlive { close() }
        return response
    }

    /// Writes bytes as they are: for pipelining and for sending malformed requests in tests.
    public func sendRaw(_ bytes: [UInt8]) throws(HTTPClientError) {
        guard fd >= 0 else { throw .connectionClosed }
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if count > 0 {
                offset += count
            } else if count < 0, errno == EINTR {
                continue
            } else if count < 0, errno == EAGAIN {
                guard waitFor(Int16(POLLOUT), seconds: timeout) else { throw .timedOut("sending the request") }
            } else {
                throw .io(SocketError("send").description)
            }
        }
    }

    /// Reads the next response.
    public func readResponse(requestWasHead: Bool = false) throws(HTTPClientError) -> HTTPClientResponse {
        while true {
            if let response = try parser.next(requestWasHead: requestWasHead, atEOF: atEOF) { return response }
            if atEOF { throw .connectionClosed }
            try receive()
        }
    }

    /// Waits for bytes and returns those that have arrived (at most `max`); empty at end of stream or timeout.
    /// For raw tests that look at interim responses.
    public func readAvailable(max: Int = 64 * 1024) -> [UInt8] {
        var chunk = [UInt8](repeating: 0, count: max)
        while fd >= 0 {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 { return Array(chunk[0..<count]) }
            if count < 0, errno == EAGAIN || errno == EINTR {
                if !waitFor(Int16(POLLIN), seconds: timeout) { return [] }
                continue
            }
            return []
        }
        return []
    }

    /// Reads until the server closes (or the timeout passes): everything it sent, for raw tests.
    public func readUntilClosed() -> [UInt8] {
        var collected: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while fd >= 0 {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                collected.append(contentsOf: chunk[0..<count])
            } else if count < 0, errno == EAGAIN || errno == EINTR {
                if !waitFor(Int16(POLLIN), seconds: timeout) { break }
            } else {
                break
            }
        }
        return collected
    }

    private func receive() throws(HTTPClientError) {
        guard fd >= 0 else { throw .connectionClosed }
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                chunk.withUnsafeBytes { parser.append(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
                return
            }
            if count == 0 {
                atEOF = true
                return
            }
            if errno == EINTR { continue }
            if errno == EAGAIN {
                guard waitFor(Int16(POLLIN), seconds: timeout) else { throw .timedOut("waiting for the response") }
                continue
            }
            if errno == ECONNRESET {
                atEOF = true
                throw .connectionClosed
            }
            throw .io(SocketError("recv").description)
        }
    }

    private func waitFor(_ events: Int16, seconds: Double) -> Bool {
        var entry = pollfd(fd: fd, events: events, revents: 0)
        while true {
            let result = poll(&entry, 1, Int32(min(seconds * 1000, Double(Int32.max))))
            if result < 0, errno == EINTR { continue }
            return result > 0
        }
    }
}
