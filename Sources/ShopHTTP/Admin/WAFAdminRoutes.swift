import Addressing
import Dashboard
import Foundation
import HTTP
import Shop
import Store
import Telemetry
import WAF

/// `/admin/waf/…`: the IP set, the rules and their actions (switchable at run time), recent verdicts — every change audited.
extension AdminRoutes {
    private struct RuleChange: Decodable {
        var action: String?
        var limit: Int?
        var windowSeconds: Int?
        var paranoia: Int?
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
        router.post("/admin/waf/blocks", route { [self] request, context in
            let body = try JSONBody.decode(NewBlock.self, from: request)
            guard let text = body.cidr ?? body.ip, (body.cidr == nil) != (body.ip == nil) else {
                throw HTTPError.invalidField("send either cidr (such as 203.0.113.0/24 or 2001:db8::/32) or ip, not both")
            }
            let caller = gateway.addresses.clientIP(peer: context.peer.ip, forwardedFor: request.headers["X-Forwarded-For"])
            let outcome = try await perform(.block(cidr: text, reason: body.reason, ttlSeconds: body.ttlSeconds, force: body.force ?? false), from: caller)
            guard let network = IPNetwork(text.trimmingCharacters(in: .whitespaces)),
                  let block = core.waf.blocks.list(now: core.waf.now).first(where: { $0.cidr == network.description }) else {
                throw HTTPError.notFound("the block for \(text) expired at once")
            }
            // A block of a CIDR already blocked replaces it (reason and expiry): 200, not 201.
            return JSONBody.response(BlockView(block), status: outcome.replaced ? 200 : 201)
        })
        router.delete("/admin/waf/blocks/{cidr}", route { [self] _, context in
            let text = context.parameter("cidr")
            guard IPNetwork(text) != nil else { throw HTTPError.invalidField("\(text) is not an IPv4 or IPv6 address or CIDR block (send / as %2F)") }
            _ = try await perform(.unblock(cidr: text))
            return .empty(status: 204)
        })
        router.get("/admin/waf/rules", route { _, _ in
            JSONBody.response(["items": core.waf.rules.map(RuleView.init)])
        })
        router.put("/admin/waf/rules/{name}", route { [self] request, context in
            let name = context.parameter("name")
            guard core.waf.rules.contains(where: { $0.name == name }) else { throw HTTPError.notFound(WAFError.unknownRule(name).description) }
            let change = try JSONBody.decode(RuleChange.self, from: request)
            _ = try await perform(.setRule(name: name, action: change.action, limit: change.limit, windowSeconds: change.windowSeconds,
                                           paranoia: change.paranoia))
            guard let updated = core.waf.rules.first(where: { $0.name == name }) else { throw HTTPError.notFound(WAFError.unknownRule(name).description) }
            return JSONBody.response(RuleView(updated))
        })
        // Before a change: what it would have done to recent traffic, and to which paying customers.
        router.get("/admin/waf/rules/{name}/preview", route { request, context in
            let parameters = request.queryParameters
            var limit: Int?
            if let text = parameters["limit"], !text.isEmpty {
                guard let parsed = Int(text) else { throw HTTPError.invalidField("limit must be a whole number") }
                limit = parsed
            }
            let action = parameters["action"].flatMap { $0.isEmpty ? nil : $0 }
            return JSONBody.response(try core.rulePreview(rule: context.parameter("name"), action: action, limit: limit))
        })
        router.get("/admin/waf/verdicts", route { request, _ in
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
