import Addressing
import HTTP
import Shop
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
                           clientIP: clientIP.description, clientAddress: clientIP.addressBytes) {
        case .allow:
            return .allow
        case .block(let rule, let detection):
            return .block(rule: rule, message: "the request was blocked by the web application firewall (\(detection.shape) in \(detection.field))")
        case .blockedAddress(let block):
            return .block(rule: WAFBlockSettings.rule, message: "requests from \(block.cidr) are blocked: \(block.reason)")
        case .uninspectable(let problem):
            let status = switch problem {
            case .body: 413
            case .fields: 400
            case .encoding: 415
            }
            return .block(rule: WebApplicationFirewall.oversizeRule,
                          message: "the web application firewall cannot inspect this request: \(problem)", status: status)
        case .rateLimited(let rule, let limit, let window):
            return .block(rule: rule, message: "more than \(limit) requests in \(window) s from \(clientIP); blocked until the rate falls back under the limit")
        }
    }
}
