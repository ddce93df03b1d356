import Addressing
import HTTP
import Shop

/// What an inspector says about a request.
public enum InspectionVerdict: Sendable, Equatable {
    case allow
    /// Refuse with `status` (403 unless the rule says otherwise) and code `blocked`, naming the rule.
    case block(rule: String, message: String, status: Int = 403)
}

/// The WAF's place in the gateway: it sees every `/api` request (with the resolved client address) before
/// throttling. Runs on the event loop, so it must be quick and must not block.
public protocol RequestInspector: Sendable {
    func inspect(_ request: HTTPRequest, clientIP: IPAddress) -> InspectionVerdict
}

/// Lets everything through (until the WAF exists).
public struct PassThroughInspector: RequestInspector {
    public init() {}
    public func inspect(_ request: HTTPRequest, clientIP: IPAddress) -> InspectionVerdict { .allow }
}
