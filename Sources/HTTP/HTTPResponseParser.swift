/// A response as the client received it.
public struct HTTPClientResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// Whether the server will keep the connection open.
    public var keepAlive: Bool

    /// The body as UTF-8 text.
    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// Parses responses off a client connection, incrementally. Handles `Content-Length`, chunked bodies and
/// bodies delimited by the server closing, and skips `100 Continue` interim responses.
struct HTTPResponseParser {
    private var buffer: [UInt8] = []
    private var position = 0
    let maxBodyBytes: Int
    let maxHeadBytes = 64 * 1024

    init(maxBodyBytes: Int) { self.maxBodyBytes = maxBodyBytes }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if position > 0, position == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            position = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete response, nil if more bytes are needed. `requestWasHead` responses have no body;
    /// `atEOF` says the server closed, which completes a close-delimited body.
    mutating func next(requestWasHead: Bool, atEOF: Bool) throws(HTTPClientError) -> HTTPClientResponse? {
        while true {
            guard let headEnd = findHeadEnd() else {
                if buffer.count - position > maxHeadBytes { throw .malformedResponse("response head over \(maxHeadBytes) bytes") }
                if atEOF, buffer.count > position { throw .malformedResponse("connection closed inside a response head") }
                return nil
            }
            let head = String(decoding: buffer[position..<headEnd], as: UTF8.self)
            var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
            let statusLine = lines.removeFirst()
            let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]), (100...599).contains(status) else {
                throw .malformedResponse("malformed status line \"\(statusLine.prefix(80))\"")
            }
            var headers = HTTPHeaders()
            for line in lines where !line.isEmpty {
                guard let colon = line.firstIndex(of: ":") else { throw .malformedResponse("header line without a colon") }
                headers.add(String(line[..<colon]), line[line.index(after: colon)...].trimmingSpaces)
            }
            let bodyStart = headEnd + 4
            if status >= 100, status < 200 {
                position = bodyStart
                continue
            }
            let closes = headers["Connection"].map { headerValue($0, contains: "close") } ?? (parts[0] == "HTTP/1.0")
            var response = HTTPClientResponse(status: status, headers: headers, body: [], keepAlive: !closes)
            if requestWasHead || status == 204 || status == 304 {
                position = bodyStart
                return response
            }
            if let encoding = headers["Transfer-Encoding"], headerValue(encoding, contains: "chunked") {
                guard let (body, end) = try decodeChunked(from: bodyStart) else { return nil }
                response.body = body
                position = end
                return response
            }
            if let lengthText = headers["Content-Length"] {
                guard let length = Int(lengthText), length >= 0 else { throw .malformedResponse("malformed Content-Length") }
                guard length <= maxBodyBytes else { throw .malformedResponse("response body over \(maxBodyBytes) bytes") }
                guard buffer.count - bodyStart >= length else { return nil }
                response.body = Array(buffer[bodyStart..<bodyStart + length])
                position = bodyStart + length
                return response
            }
            // No length: the body runs to the end of the connection.
            guard atEOF else {
                if buffer.count - bodyStart > maxBodyBytes { throw .malformedResponse("response body over \(maxBodyBytes) bytes") }
                return nil
            }
            response.body = Array(buffer[bodyStart...])
            response.keepAlive = false
            position = buffer.count
            return response
        }
    }

    private func findHeadEnd() -> Int? {
        guard buffer.count - position >= 4 else { return nil }
        var index = position
        while index + 3 < buffer.count {
            if buffer[index] == 13, buffer[index + 1] == 10, buffer[index + 2] == 13, buffer[index + 3] == 10 { return index }
            index += 1
        }
        return nil
    }

    private func decodeChunked(from start: Int) throws(HTTPClientError) -> ([UInt8], Int)? {
        var body: [UInt8] = []
        var index = start
        while true {
            guard let sizeEnd = lineEnd(from: index) else { return nil }
            let sizeText = String(decoding: buffer[index..<sizeEnd], as: UTF8.self).prefix { $0 != ";" }
            guard let size = Int(sizeText, radix: 16), size >= 0 else { throw .malformedResponse("malformed chunk size") }
            index = sizeEnd + 2
            if size == 0 {
                // Trailers, then an empty line.
                while true {
                    guard let end = lineEnd(from: index) else { return nil }
                    let empty = end == index
                    index = end + 2
                    if empty { return (body, index) }
                }
            }
            guard body.count + size <= maxBodyBytes else { throw .malformedResponse("response body over \(maxBodyBytes) bytes") }
            guard buffer.count >= index + size + 2 else { return nil }
            body.append(contentsOf: buffer[index..<index + size])
            index += size + 2
        }
    }

    private func lineEnd(from start: Int) -> Int? {
        var index = start
        while index + 1 < buffer.count {
            if buffer[index] == 13, buffer[index + 1] == 10 { return index }
            index += 1
        }
        return nil
    }
}
