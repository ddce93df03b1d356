import Foundation
import HTTP
import Store
import Telemetry
import WAF

/// `/admin/waf/…`: the IP set, the rules and their actions (switchable at run time), recent verdicts — every change audited.
extension AdminRoutes {
    private struct RuleChange: Decodable {
        var action: String?
        var limit: Int?
        var windowSeconds: Int?
    }

    private struct NewBlock: Decodable {
        var cidr: String?
        var ip: String?
        var reason: String
        var ttlSeconds: Int?
        var force: Bool?
    }

    func registerWAF(_ router: inout Router) {
        let core = self.core
        router.get("/admin/waf/blocks", route { _, _ in
            JSONBody.response(["items": core.waf.blockedAddresses().map(BlockView.init)])
        })
        router.post("/admin/waf/blocks", route { request, context throws(HTTPError) in
            let body = try JSONBody.decode(NewBlock.self, from: request)
            guard let text = body.cidr ?? body.ip, (body.cidr == nil) != (body.ip == nil) else {
                throw HTTPError.invalidField("send either cidr (such as 203.0.113.0/24 or 2001:db8::/32) or ip, not both")
            }
            let caller = core.gateway.addresses.clientIP(peer: context.peer.ip, forwardedFor: request.headers["X-Forwarded-For"])
            let outcome: OperatorOutcome
            do throws(OperatorError) {
                outcome = try await core.perform(.block(cidr: text, reason: body.reason, ttlSeconds: body.ttlSeconds, force: body.force ?? false),
                                                 actor: "admin", from: caller)
            } catch {
                throw error.http
            }
            guard let network = IPNetwork(text.trimmingCharacters(in: .whitespaces)),
                  let block = core.waf.blocks.list(now: core.waf.now).first(where: { $0.cidr == network.description }) else {
                throw HTTPError.notFound("the block for \(text) expired at once")
            }
            // A block of a CIDR already blocked replaces it (reason and expiry): 200, not 201.
            return JSONBody.response(BlockView(block), status: outcome.replaced ? 200 : 201)
        })
        router.delete("/admin/waf/blocks/{cidr}", route { _, context throws(HTTPError) in
            let text = context.parameter("cidr")
            guard IPNetwork(text) != nil else { throw HTTPError.invalidField("\(text) is not an IPv4 or IPv6 address or CIDR block (send / as %2F)") }
            do throws(OperatorError) {
                _ = try await core.perform(.unblock(cidr: text), actor: "admin")
            } catch {
                throw error.http
            }
            return .empty(status: 204)
        })
        router.get("/admin/waf/rules", route { _, _ in
            JSONBody.response(["items": core.waf.rules.map(RuleView.init)])
        })
        router.put("/admin/waf/rules/{name}", route { [self] request, context throws(HTTPError) in
            let name = context.parameter("name")
            guard core.waf.rules.contains(where: { $0.name == name }) else { throw HTTPError.notFound(WAFError.unknownRule(name).description) }
            let change = try JSONBody.decode(RuleChange.self, from: request)
            var action: RuleAction?
            if let text = change.action {
                guard let parsed = RuleAction(rawValue: text) else {
                    throw HTTPError.invalidField("action must be one of \(RuleAction.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                action = parsed
            }
            let isTunable = core.wafRules.isTunable(name)
            if !isTunable, change.limit != nil || change.windowSeconds != nil {
                throw HTTPError.invalidField("only the action of \(name) can change (limit and windowSeconds belong to rate rules and \(RepeatOffenderRule.name))")
            }
            if let limit = change.limit, !(1...1_000_000).contains(limit) { throw HTTPError.invalidField("limit must be 1 to 1000000 requests") }
            if let window = change.windowSeconds, !(10...3600).contains(window) { throw HTTPError.invalidField("windowSeconds must be 10 to 3600") }
            guard action != nil || change.limit != nil || change.windowSeconds != nil else {
                throw HTTPError.invalidField(isTunable ? "send action, limit, windowSeconds or several" : "send action")
            }
            let updated: RuleStatus
            do {
                updated = try await core.wafRules.set(name, action: action, limit: change.limit, windowSeconds: change.windowSeconds)
            } catch {
                throw HTTPError(status: 503, code: "unavailable", message: "the rule could not be saved: \(error)", headers: ["Retry-After": "1"])
            }
            let detail = [action.map { "action \($0.rawValue)" }, change.limit.map { "limit \($0)" }, change.windowSeconds.map { "window \($0) s" }]
                .compactMap { $0 }.joined(separator: ", ")
            try await audit("waf.rule", isTunable ? "\(name): \(detail)" : "\(name) set to \(updated.action.rawValue)")
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
        router.get("/admin/waf/stats", route { _, _ in
            JSONBody.response(StatsView(blocksPerMinute: core.waf.blocksPerMinute(),
                                        topBlockedIPs: core.waf.topBlockedClients(limit: 10).map(BlockedClientView.init)))
        })
    }
}
