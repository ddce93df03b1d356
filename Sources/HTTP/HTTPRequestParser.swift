import Glibc

/// What the parser has for the server.
public enum HTTPParserEvent: Sendable {
    /// A complete request.
    case request(HTTPRequest)
    /// The client sent `Expect: 100-continue` and waits for the go-ahead before sending its body.
    case continueNeeded
    /// The input is malformed or over a limit; answer with the status and close.
    case failure(HTTPParseError)
}

/// An incremental HTTP/1.1 request parser: feed it bytes as they arrive, in any split, and take requests
/// out one at a time (pipelined requests wait their turn in the buffer). Each byte is scanned once.
///
/// Strict where laxness enables request smuggling: both `Content-Length` and `Transfer-Encoding`, more than
/// one `Content-Length`, obsolete line folding, a bare CR, whitespace before a header colon — each is a 400.
public struct HTTPRequestParser: Sendable {
    private enum State: Sendable {
        case requestLine
        case headers
        case body(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
        case failed
    }

    private struct Pending: Sendable {
        var method = ""
        var target = ""
        var minorVersion = 1
        var headers = HTTPHeaders()
        var body: [UInt8] = []
        var headerBytes = 0
        var continueSent = false
        var expectsContinue = false
        // The framing headers, noted as they are parsed so that framing is decided without searching.
        var hostCount = 0
        var contentLengths: [String] = []
        var transferEncodings: [String] = []
        var connection: String?
        var expect: String?
    }

    public let limits: HTTPLimits
    private var buffer: [UInt8] = []
    private var position = 0
    private var scanFrom = 0
    private var state = State.requestLine
    private var pending = Pending()

    public init(limits: HTTPLimits = HTTPLimits()) { self.limits = limits }

    /// Whether a request has been started but not finished (for the header-read timeout).
    public var isMidRequest: Bool {
        if case .requestLine = state { return position < buffer.count }
        if case .failed = state { return false }
        return true
    }

    /// Whether the header section is still being read.
    public var isReadingHead: Bool {
        switch state {
        case .requestLine: position < buffer.count
        case .headers: true
        default: false
        }
    }

    /// Bytes received and not yet consumed.
    public var bufferedByteCount: Int { buffer.count - position }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if position == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            position = 0
            scanFrom = 0
        } else if position > 64 * 1024 {
            buffer.removeFirst(position)
            scanFrom -= position
            position = 0
        }
        buffer.append(contentsOf: bytes)
    }

    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// The next event, or nil when more bytes are needed.
    public mutating func next() -> HTTPParserEvent? {
        while true {
            switch state {
            case .failed:
                return nil
            case .requestLine:
                guard let line = nextLine(limit: limits.maxRequestLineBytes, status: 414, what: "request line") else { return failureOrNil() }
                if line.isEmpty { continue }
                if let failure = parseRequestLine(line) { return fail(failure) }
                state = .headers
            case .headers:
                let budget = limits.maxHeaderBytes - pending.headerBytes
                guard let line = nextLine(limit: max(budget, 0), status: 431, what: "header section") else { return failureOrNil() }
                pending.headerBytes += line.count + 2
                if line.isEmpty {
                    if let failure = headersComplete() { return fail(failure) }
                    if pending.expectsContinue, !pending.continueSent, bodyPending, position == buffer.count {
                        pending.continueSent = true
                        return .continueNeeded
                    }
                    continue
                }
                if let failure = parseHeader(line) { return fail(failure) }
            case .body(let remaining):
                let left = takeBody(remaining)
                if left > 0 {
                    state = .body(remaining: left)
                    return nil
                }
                return finish()
            case .chunkSize:
                guard let line = nextLine(limit: 1024, status: 400, what: "chunk size line") else { return failureOrNil() }
                let sizeText = line.prefix { $0 != UInt8(ascii: ";") }
                guard !sizeText.isEmpty, sizeText.count <= 8, let size = Int(String(decoding: sizeText, as: UTF8.self), radix: 16), size >= 0 else {
                    return fail(HTTPParseError(400, "malformed chunk size"))
                }
                if size == 0 {
                    state = .trailers
                    continue
                }
                guard pending.body.count + size <= limits.maxBodyBytes else {
                    return fail(HTTPParseError(413, "request body over \(limits.maxBodyBytes) bytes"))
                }
                state = .chunkData(remaining: size)
            case .chunkData(let remaining):
                let left = takeBody(remaining)
                if left > 0 {
                    state = .chunkData(remaining: left)
                    return nil
                }
                state = .chunkDataEnd
            case .chunkDataEnd:
                guard let line = nextLine(limit: 2, status: 400, what: "chunk end") else { return failureOrNil() }
                guard line.isEmpty else { return fail(HTTPParseError(400, "chunk data longer than its size")) }
                state = .chunkSize
            case .trailers:
                let budget = limits.maxHeaderBytes - pending.headerBytes
                guard let line = nextLine(limit: max(budget, 0), status: 431, what: "trailer section") else { return failureOrNil() }
                pending.headerBytes += line.count + 2
                if line.isEmpty { return finish() }
                if line.first == UInt8(ascii: " ") || line.first == UInt8(ascii: "\t") { return fail(HTTPParseError(400, "obsolete line folding")) }
            }
        }
    }

    /// Moves up to `wanted` buffered bytes into the body; returns how many are still to come.
    private mutating func takeBody(_ wanted: Int) -> Int {
        let available = min(wanted, buffer.count - position)
        pending.body.append(contentsOf: buffer[position..<position + available])
        position += available
        scanFrom = position
        return wanted - available
    }

    // MARK: Lines

    private var lineFailure: HTTPParseError?

    private func failureOrNil() -> HTTPParserEvent? {
        lineFailure.map { .failure($0) }
    }

    /// The next line without its terminator, or nil if incomplete (setting `lineFailure` when it can never be valid).
    private mutating func nextLine(limit: Int, status: Int, what: String) -> ArraySlice<UInt8>? {
        let from = max(scanFrom, position)
        let newline: Int? = buffer.withUnsafeBufferPointer { raw -> Int? in
            guard let base = raw.baseAddress, from < raw.count,
                  let found = memchr(base + from, 0x0A, raw.count - from) else { return nil }
            return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
        }
        guard let index = newline else {
            scanFrom = buffer.count
            if buffer.count - position > limit + 1 {
                lineFailure = HTTPParseError(status, "\(what) over \(limit) bytes")
                state = .failed
            }
            return nil
        }
        // The same length rule as while the newline had not yet arrived, and before any other: found by the
        // fuzzer, a line over the limit with a bare CR in it was 400 when it came in one read and 414 when it
        // trickled in. An answer must not depend on how the network split the bytes.
        if index - position > limit + 1 {
            lineFailure = HTTPParseError(status, "\(what) over \(limit) bytes")
            state = .failed
            return nil
        }
        var end = index
        if end > position, buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        let hasBareCR: Bool = buffer.withUnsafeBufferPointer { raw in
            end > position && memchr(raw.baseAddress! + position, 0x0D, end - position) != nil
        }
        if hasBareCR {
            lineFailure = HTTPParseError(400, "bare CR in \(what)")
            state = .failed
            return nil
        }
        guard end - position <= limit else {
            lineFailure = HTTPParseError(status, "\(what) over \(limit) bytes")
            state = .failed
            return nil
        }
        let line = buffer[position..<end]
        position = index + 1
        scanFrom = position
        return line
    }

    private mutating func fail(_ failure: HTTPParseError) -> HTTPParserEvent {
        state = .failed
        return .failure(failure)
    }

    // MARK: Head

    private mutating func parseRequestLine(_ line: ArraySlice<UInt8>) -> HTTPParseError? {
        guard let firstSpace = line.firstIndex(of: UInt8(ascii: " ")),
              let secondSpace = line[(firstSpace + 1)...].firstIndex(of: UInt8(ascii: " ")) else {
            return HTTPParseError(400, "malformed request line")
        }
        let method = line[line.startIndex..<firstSpace]
        let target = line[(firstSpace + 1)..<secondSpace]
        let version = line[(secondSpace + 1)...]
        guard !method.isEmpty, !target.isEmpty, !version.contains(UInt8(ascii: " ")) else { return HTTPParseError(400, "malformed request line") }
        guard method.allSatisfy(Self.isTokenByte) else { return HTTPParseError(400, "malformed method") }
        guard target.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return HTTPParseError(400, "malformed request target") }
        guard version.count == 8, version.starts(with: Self.httpSlash),
              let major = Self.digit(version[version.startIndex + 5]), version[version.startIndex + 6] == UInt8(ascii: "."),
              let minor = Self.digit(version[version.startIndex + 7]) else {
            return HTTPParseError(400, "malformed HTTP version")
        }
        guard major == 1, minor <= 1 else { return HTTPParseError(505, "HTTP version \(major).\(minor) is not supported") }
        pending = Pending()
        pending.method = Self.knownMethod(method) ?? String(decoding: method, as: UTF8.self)
        pending.target = String(decoding: target, as: UTF8.self)
        pending.minorVersion = minor
        pending.headerBytes = line.count + 2
        return nil
    }

    private static let httpSlash = Array("HTTP/".utf8)

    /// The common methods as shared constants, sparing a string per request.
    private static func knownMethod(_ bytes: ArraySlice<UInt8>) -> String? {
        switch bytes.count {
        case 3: bytes.elementsEqual("GET".utf8) ? "GET" : bytes.elementsEqual("PUT".utf8) ? "PUT" : nil
        case 4: bytes.elementsEqual("POST".utf8) ? "POST" : bytes.elementsEqual("HEAD".utf8) ? "HEAD" : nil
        case 6: bytes.elementsEqual("DELETE".utf8) ? "DELETE" : nil
        default: nil
        }
    }

    private mutating func parseHeader(_ line: ArraySlice<UInt8>) -> HTTPParseError? {
        if line.first == UInt8(ascii: " ") || line.first == UInt8(ascii: "\t") { return HTTPParseError(400, "obsolete line folding") }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return HTTPParseError(400, "header line without a colon") }
        let name = line[line.startIndex..<colon]
        guard !name.isEmpty, name.allSatisfy(Self.isTokenByte) else { return HTTPParseError(400, "malformed header name") }
        var value = line[(colon + 1)...]
        while let first = value.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") { value = value.dropFirst() }
        while let last = value.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") { value = value.dropLast() }
        guard value.allSatisfy({ $0 == 0x09 || $0 >= 0x20 && $0 != 0x7F }) else { return HTTPParseError(400, "control character in a header value") }
        guard pending.headers.count < limits.maxHeaderCount else { return HTTPParseError(431, "more than \(limits.maxHeaderCount) header fields") }
        let nameText = String(decoding: name, as: UTF8.self)
        let valueText = String(decoding: value, as: UTF8.self)
        switch name.count {
        case 4 where Self.equalsLowercase(name, "host"): pending.hostCount += 1
        case 6 where Self.equalsLowercase(name, "expect"): pending.expect = valueText
        case 10 where Self.equalsLowercase(name, "connection"):
            pending.connection = pending.connection.map { $0 + ", " + valueText } ?? valueText
        case 14 where Self.equalsLowercase(name, "content-length"): pending.contentLengths.append(valueText)
        case 17 where Self.equalsLowercase(name, "transfer-encoding"): pending.transferEncodings.append(valueText)
        default: break
        }
        pending.headers.add(nameText, valueText)
        return nil
    }

    /// Whether `bytes`, lowercased, equal `lowercase`.
    private static func equalsLowercase(_ bytes: ArraySlice<UInt8>, _ lowercase: StaticString) -> Bool {
        lowercase.withUTF8Buffer { expected in
            bytes.elementsEqual(expected) { HTTPHeaders.lowercase($0) == $1 }
        }
    }

    private var bodyPending: Bool {
        switch state {
        case .body(let remaining): remaining > 0
        case .chunkSize: true
        default: false
        }
    }

    /// Decides framing once the header section is complete.
    private mutating func headersComplete() -> HTTPParseError? {
        let lengths = pending.contentLengths
        let encodings = pending.transferEncodings
        if pending.minorVersion == 1, pending.hostCount != 1 {
            return HTTPParseError(400, "an HTTP/1.1 request needs exactly one Host header")
        }
        if !lengths.isEmpty, !encodings.isEmpty { return HTTPParseError(400, "both Content-Length and Transfer-Encoding") }
        guard lengths.count <= 1 else { return HTTPParseError(400, "more than one Content-Length") }
        if let expect = pending.expect {
            guard pending.minorVersion == 1, HTTPHeaders.equalIgnoringCase(expect, "100-continue") else {
                return HTTPParseError(417, "unsupported expectation \"\(expect)\"")
            }
            pending.expectsContinue = true
        }
        if !encodings.isEmpty {
            guard pending.minorVersion == 1 else { return HTTPParseError(400, "Transfer-Encoding in an HTTP/1.0 request") }
            guard encodings.count == 1, HTTPHeaders.equalIgnoringCase(encodings[0], "chunked") else {
                return HTTPParseError(501, "only the chunked transfer coding is supported")
            }
            state = .chunkSize
            return nil
        }
        if let text = lengths.first {
            guard !text.isEmpty, text.utf8.count <= 12, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                  let length = Int(text) else {
                return HTTPParseError(400, "malformed Content-Length")
            }
            guard length <= limits.maxBodyBytes else { return HTTPParseError(413, "request body over \(limits.maxBodyBytes) bytes") }
            pending.body.reserveCapacity(length)
            state = .body(remaining: length)
            return nil
        }
        state = .body(remaining: 0)
        return nil
    }

    private mutating func finish() -> HTTPParserEvent {
        let connection = pending.connection
        let keepAlive = pending.minorVersion == 1
            ? !(connection.map { headerValue($0, contains: "close") } ?? false)
            : (connection.map { headerValue($0, contains: "keep-alive") } ?? false)
        let request = HTTPRequest(method: pending.method, target: pending.target, minorVersion: pending.minorVersion,
                                  headers: pending.headers, body: pending.body, keepAlive: keepAlive)
        pending = Pending()
        state = .requestLine
        return .request(request)
    }

    static func isTokenByte(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "*"),
             UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"),
             UInt8(ascii: "~"): true
        default: false
        }
    }

    static func digit(_ c: UInt8) -> Int? {
        c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") ? Int(c - UInt8(ascii: "0")) : nil
    }
}
