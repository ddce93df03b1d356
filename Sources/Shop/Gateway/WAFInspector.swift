import HTTP
import WAF

/// The gateway's inspector backed by the firewall: the request as the WAF module sees it, and a block as
/// the gateway's 403 with the rule and what was found where.
public struct WAFInspector: RequestInspector {
    public let waf: WebApplicationFirewall

    public init(waf: WebApplicationFirewall) {
        self.waf = waf
    }

    public func inspect(_ request: HTTPRequest, clientIP: IPAddress) -> InspectionVerdict {
        switch waf.inspect(method: request.method, target: request.target, headers: request.headers.fields, body: request.body,
                           clientIP: clientIP.description) {
        case .allow:
            return .allow
        case .block(let rule, let detection):
            return .block(rule: rule, message: "the request was blocked by the web application firewall (\(detection.shape) in \(detection.field))")
        }
    }
}
