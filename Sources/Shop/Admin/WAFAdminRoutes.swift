import Foundation
import HTTP
import Telemetry
import WAF

/// `/admin/waf/rules`: the firewall's rules and their actions, switchable at run time (audited).
extension AdminRoutes {
    private struct RuleChange: Decodable {
        var action: String?
        var limit: Int?
        var windowSeconds: Int?
    }

    struct RuleView: Encodable {
        var name: String
        var kind: String
        var action: String
        var matched: Int

        init(_ status: RuleStatus) {
            name = status.name
            kind = status.kind
            action = status.action.rawValue
            matched = status.matched
        }
    }

    struct VerdictView: Encodable {
        var at: String
        var clientIP: String
        var method: String
        var path: String
        var rule: String
        var action: String
        var field: String
        var shape: String
        var excerpt: String

        init(_ record: VerdictRecord) {
            at = Logger.timestamp(record.at)
            clientIP = record.clientIP
            method = record.method
            path = record.path
            rule = record.rule
            action = record.action.rawValue
            field = record.detection.field
            shape = record.detection.shape
            excerpt = record.detection.excerpt
        }
    }

    func registerWAF(_ router: inout Router) {
        let core = self.core
        router.get("/admin/waf/rules", route { _, _ in
            JSONBody.response(["items": core.waf.rules.map(RuleView.init)])
        })
        router.put("/admin/waf/rules/{name}", route { [self] request, context throws(HTTPError) in
            let name = context.parameter("name")
            guard core.waf.rules.contains(where: { $0.name == name }) else { throw HTTPError.notFound(WAFError.unknownRule(name).description) }
            let change = try JSONBody.decode(RuleChange.self, from: request)
            if change.limit != nil || change.windowSeconds != nil {
                throw HTTPError.invalidField("\(name) is a detector rule: only its action can change (limit and windowSeconds belong to rate rules)")
            }
            guard let text = change.action, let action = RuleAction(rawValue: text) else {
                throw HTTPError.invalidField("action must be one of \(RuleAction.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let updated: RuleStatus
            do {
                updated = try await core.wafRules.set(action, forRule: name)
            } catch {
                throw HTTPError(status: 503, code: "unavailable", message: "the rule could not be saved: \(error)", headers: ["Retry-After": "1"])
            }
            try await audit("waf.rule", "\(name) set to \(action.rawValue)")
            return JSONBody.response(RuleView(updated))
        })
        router.get("/admin/waf/verdicts", route { request, _ throws(HTTPError) in
            var limit = 100
            if let text = request.queryParameters["limit"], !text.isEmpty {
                guard let parsed = Int(text), (1...500).contains(parsed) else { throw HTTPError.invalidField("limit must be 1 to 500") }
                limit = parsed
            }
            return JSONBody.response(["items": core.waf.recentVerdicts(limit: limit).map(VerdictView.init)])
        })
    }
}
