import Telemetry

/// An error answered with the JSON error body of the contract:
/// `{"error":{"code":"...","message":"...","requestId":"..."}}`, plus any `extra` string fields inside `error`.
public struct HTTPError: Error, Sendable, Equatable {
    public var status: Int
    /// A stable machine-readable code (`not_found`, `invalid_field`, `blocked`…).
    public var code: String
    /// What went wrong and, where possible, how to fix it.
    public var message: String
    /// More string fields for the `error` object (for a WAF block: `rule`).
    public var extra: [String: String]
    /// Headers to add (`Allow`, `Retry-After`…).
    public var headers: [String: String]

    public init(status: Int, code: String, message: String, extra: [String: String] = [:], headers: [String: String] = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra
        self.headers = headers
    }

    /// The response carrying this error, tagged with the request id.
    public func response(requestId: String) -> HTTPResponse {
        var json = "{\"error\":{\"code\":" + JSONText.quoted(code) + ",\"message\":" + JSONText.quoted(message)
        for key in extra.keys.sorted() { json += "," + JSONText.quoted(key) + ":" + JSONText.quoted(extra[key]!) }
        json += ",\"requestId\":" + JSONText.quoted(requestId) + "}}"
        var response = HTTPResponse.json(json, status: status)
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { response.headers.set(name, value) }
        return response
    }

    /// The error for a request the parser refused.
    public init(parseError: HTTPParseError) {
        let code = switch parseError.status {
        case 408: "request_timeout"
        case 413: "body_too_large"
        case 414: "request_line_too_large"
        case 417: "expectation_failed"
        case 431: "headers_too_large"
        case 501: "not_implemented"
        case 505: "http_version_not_supported"
        default: "malformed_request"
        }
        self.init(status: parseError.status, code: code, message: parseError.reason)
    }

    public static func notFound(_ message: String = "no such resource") -> HTTPError {
        HTTPError(status: 404, code: "not_found", message: message)
    }

    public static func badRequest(_ message: String) -> HTTPError {
        HTTPError(status: 400, code: "malformed_request", message: message)
    }

    public static func invalidField(_ message: String) -> HTTPError {
        HTTPError(status: 422, code: "invalid_field", message: message)
    }

    public static func overloaded(_ message: String) -> HTTPError {
        HTTPError(status: 503, code: "overloaded", message: message, headers: ["Retry-After": "1"])
    }
}
