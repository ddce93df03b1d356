import Telemetry

/// Writes a response onto a connection's output buffer in HTTP/1.1 wire form.
enum ResponseEncoder {
    /// Status lines for 100–599, indexed by status - 100, built once.
    private static let statusLines: [[UInt8]] = (100..<600).map { status in
        Array("HTTP/1.1 \(status) \(HTTPResponse.reasonPhrase(status))\r\n".utf8)
    }

    /// Headers the server owns: a handler's values for these are ignored.
    private static func isFraming(_ name: String) -> Bool {
        let length = name.utf8.count
        return (length == 14 && HTTPHeaders.equalIgnoringCase(name, "Content-Length"))
            || (length == 10 && HTTPHeaders.equalIgnoringCase(name, "Connection"))
            || (length == 17 && HTTPHeaders.equalIgnoringCase(name, "Transfer-Encoding"))
            || (length == 4 && HTTPHeaders.equalIgnoringCase(name, "Date"))
            || (length == 12 && HTTPHeaders.equalIgnoringCase(name, "X-Request-Id"))
    }

    /// Appends `response` to `output`. `headOnly` answers a HEAD request: the length of the body is announced
    /// but the body is not sent. `keepAlive` false adds `Connection: close`; `announceKeepAlive` adds
    /// `Connection: keep-alive` for HTTP/1.0 clients that asked for it.
    static func encode(_ response: HTTPResponse, requestId: String, date: [UInt8], keepAlive: Bool,
                       announceKeepAlive: Bool = false, headOnly: Bool = false, into output: inout [UInt8]) {
        if (100..<600).contains(response.status) {
            output.append(contentsOf: statusLines[response.status - 100])
        } else {
            output.append(contentsOf: "HTTP/1.1 \(response.status) \(HTTPResponse.reasonPhrase(response.status))\r\n".utf8)
        }
        output.append(contentsOf: "Server: shopdeck\r\nDate: ".utf8)
        output.append(contentsOf: date)
        output.append(contentsOf: "\r\nX-Request-Id: ".utf8)
        output.appendUTF8(requestId)
        output.append(contentsOf: "\r\n".utf8)
        for (name, value) in response.headers where !isFraming(name) {
            output.appendUTF8(name)
            output.append(contentsOf: ": ".utf8)
            output.appendUTF8(value)
            output.append(contentsOf: "\r\n".utf8)
        }
        let bodyless = response.status < 200 || response.status == 204 || response.status == 304
        if !bodyless {
            output.append(contentsOf: "Content-Length: ".utf8)
            appendDecimal(response.body.count, to: &output)
            output.append(contentsOf: "\r\n".utf8)
        }
        if !keepAlive {
            output.append(contentsOf: "Connection: close\r\n".utf8)
        } else if announceKeepAlive {
            output.append(contentsOf: "Connection: keep-alive\r\n".utf8)
        }
        output.append(contentsOf: "\r\n".utf8)
        if !bodyless, !headOnly { output.append(contentsOf: response.body) }
    }

    static let continueLine = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    private static func appendDecimal(_ value: Int, to output: inout [UInt8]) {
        if value < 10 {
            output.append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        appendDecimal(value / 10, to: &output)
        output.append(UInt8(ascii: "0") + UInt8(value % 10))
    }
}
