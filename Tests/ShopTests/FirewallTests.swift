import Addressing
import Foundation
import HTTP
import Testing
import WAF
@testable import Shop

@Suite struct FirewallTests {
    @Test func anInjectionIsBlockedWith403NamingTheRule() async throws {
        let shop = try await TestShop.start()
        defer { Task { await shop.stop() } }
        let blocked = try await shop.call("GET", "/api/products?q=1%27%20UNION%20SELECT%20password%20FROM%20users--")
        #expect(blocked.status == 403)
        let error = try #require(blocked.object["error"] as? [String: Any])
        #expect(error["code"] as? String == "blocked")
        #expect(error["rule"] as? String == "sqli")
        #expect((error["message"] as? String)?.contains("ARGS:q") == true)
        #expect(error["requestId"] as? String == blocked.headers["X-Request-Id"])
        let xss = try await shop.call("POST", "/api/events", json: #"{"type":"view","productId":"<svg onload=alert(1)>"}"#)
        #expect(xss.status == 403)
        #expect((xss.object["error"] as? [String: Any])?["rule"] as? String == "xss")
        // Look-alikes go through.
        for query in ["O%27Reilly", "rock+%26+roll", "select+wine", "drop+earrings", "%3C3+gifts"] {
            #expect(try await shop.call("GET", "/api/products?q=\(query)").status == 200, "\(query)")
        }
        let verdicts = try #require(try await shop.call("GET", "/admin/waf/verdicts", token: shop.adminToken).object["items"] as? [[String: Any]])
        #expect(verdicts.map { $0["rule"] as? String } == ["sqli", "xss"])
        #expect(verdicts.first?["action"] as? String == "block")
        #expect(verdicts.first?["clientIP"] as? String == "127.0.0.1")
        #expect((verdicts.first?["excerpt"] as? String)?.lowercased().contains("union select") == true)
    }

    @Test func countModeLetsTheRequestThroughAndLogsItAndTheSettingSurvivesARestart() async throws {
        let shop = try await TestShop.start()
        let admin = shop.adminToken
        let switched = try await shop.call("PUT", "/admin/waf/rules/sqli", json: #"{"action":"count"}"#, token: admin)
        #expect(switched.status == 200)
        #expect(switched.object["action"] as? String == "count")
        #expect(try await shop.call("GET", "/api/products?q=%27%20OR%20%271%27%3D%271").status == 200)
        let verdicts = try await shop.call("GET", "/admin/waf/verdicts", token: admin).object["items"] as? [[String: Any]]
        #expect(verdicts?.last?["action"] as? String == "count")
        let status = try await shop.call("GET", "/status").object
        #expect((status["findings"] as? [[String: Any]])?.contains { ($0["message"] as? String)?.contains("WAF rule sqli is set to count") == true } == true)
        #expect(shop.core.audit.entries().contains { $0.action == "waf.rule" && $0.detail == "sqli: action count" })

        await shop.stop(removingData: false)
        let reopened = try await TestShop.start(directory: shop.directory)
        defer { Task { await reopened.stop() } }
        let rules = try #require(try await reopened.call("GET", "/admin/waf/rules", token: reopened.adminToken).object["items"] as? [[String: Any]])
        #expect(rules.map { $0["name"] as? String } == ["ip-block", "rate-limit", "login-rate", "oversize", "sqli", "xss", "cmdi", "traversal", "repeat-offender"])
        #expect(rules.first { $0["name"] as? String == "sqli" }?["action"] as? String == "count")
        #expect(try await reopened.call("GET", "/api/products?q=%27%20OR%20%271%27%3D%271").status == 200)
        _ = try await reopened.call("PUT", "/admin/waf/rules/sqli", json: #"{"action":"block"}"#, token: reopened.adminToken)
        #expect(try await reopened.call("GET", "/api/products?q=%27%20OR%20%271%27%3D%271").status == 403)
    }

    @Test func ruleChangesAreChecked() async throws {
        let shop = try await TestShop.start()
        defer { Task { await shop.stop() } }
        let admin = shop.adminToken
        #expect(try await shop.call("PUT", "/admin/waf/rules/nope", json: #"{"action":"off"}"#, token: admin).status == 404)
        #expect(try await shop.call("PUT", "/admin/waf/rules/xss", json: #"{"action":"maybe"}"#, token: admin).status == 422)
        #expect(try await shop.call("PUT", "/admin/waf/rules/xss", json: #"{"limit":5}"#, token: admin).status == 422)
        #expect(try await shop.call("PUT", "/admin/waf/rules/xss", json: #"{"action":"off"}"#).status == 401)
        #expect(try await shop.call("GET", "/admin/waf/verdicts?limit=0", token: admin).status == 422)
        // Off: not even logged.
        _ = try await shop.call("PUT", "/admin/waf/rules/xss", json: #"{"action":"off"}"#, token: admin)
        #expect(try await shop.call("GET", "/api/products?q=%3Cscript%3Ealert(1)%3C/script%3E").status == 200)
        #expect(shop.core.waf.recentVerdicts().isEmpty)
    }

    @Test func forwardedForCannotHideTheClientFromTheVerdictLog() async throws {
        let shop = try await TestShop.start()
        defer { Task { await shop.stop() } }
        var headers = HTTPHeaders()
        headers.set("X-Forwarded-For", "203.0.113.77")
        _ = try await shop.call("GET", "/api/products?q=%3Cscript%3Ex%3C/script%3E", headers: headers, from: IPAddress("127.0.0.9"))
        #expect(shop.core.waf.recentVerdicts().last?.clientIP == "127.0.0.9")
    }
}

@Suite struct RateRuleTests {
    @Test func anAddressOverTheLimitIsBlockedUntilItsRateFallsAndOthersAreNot() async throws {
        let shop = try await TestShop.start()
        defer { Task { await shop.stop() } }
        let rules = try #require(try await shop.call("GET", "/admin/waf/rules", token: shop.adminToken).object["items"] as? [[String: Any]])
        let rate = try #require(rules.first { $0["kind"] as? String == "rate" })
        #expect(rate["name"] as? String == "rate-limit" && rate["kind"] as? String == "rate")
        #expect(rate["limit"] as? Int == 600 && rate["windowSeconds"] as? Int == 300)
        let changed = try await shop.call("PUT", "/admin/waf/rules/rate-limit", json: #"{"limit":5,"windowSeconds":60}"#, token: shop.adminToken)
        #expect(changed.status == 200)
        #expect(changed.object["limit"] as? Int == 5)
        let flooder = IPAddress("127.0.11.1"), other = IPAddress("127.0.11.2")
        for _ in 0..<5 { #expect(try await shop.call("GET", "/api/drops", from: flooder).status == 200) }
        let refused = try await shop.call("GET", "/api/drops", from: flooder)
        #expect(refused.status == 403)
        #expect((refused.object["error"] as? [String: Any])?["rule"] as? String == "rate-limit")
        #expect(try await shop.call("GET", "/api/drops", from: other).status == 200)
        // The window slides past the burst: the address is let back in.
        shop.clock.advance(by: 70)
        #expect(try await shop.call("GET", "/api/drops", from: flooder).status == 200)
        #expect(try await shop.call("PUT", "/admin/waf/rules/rate-limit", json: #"{"windowSeconds":5}"#, token: shop.adminToken).status == 422)
        #expect(try await shop.call("PUT", "/admin/waf/rules/rate-limit", json: #"{"limit":0}"#, token: shop.adminToken).status == 422)
        #expect(try await shop.call("PUT", "/admin/waf/rules/rate-limit", json: "{}", token: shop.adminToken).status == 422)
        #expect(shop.core.audit.entries().contains { $0.action == "waf.rule" && $0.detail == "rate-limit: limit 5, window 60 s" })
    }
}

@Suite struct IPBlockTests {
    func block(_ shop: TestShop, _ json: String) async throws -> HTTPClientResponse {
        try await shop.call("POST", "/admin/waf/blocks", json: json, token: shop.adminToken)
    }

    @Test func aManualBlockWorksAtOnceSurvivesARestartAndUnblockRestoresAccess() async throws {
        let shop = try await TestShop.start()
        let attacker = IPAddress("127.0.8.8"), neighbour = IPAddress("127.0.9.9")
        #expect(try await shop.call("GET", "/api/drops", from: attacker).status == 200)
        let created = try await block(shop, #"{"cidr":"127.0.8.0/24","reason":"scraping"}"#)
        #expect(created.status == 201)
        #expect(created.object["cidr"] as? String == "127.0.8.0/24" && created.object["source"] as? String == "manual")
        let refused = try await shop.call("GET", "/api/drops", from: attacker)
        #expect(refused.status == 403)
        #expect((refused.object["error"] as? [String: Any])?["rule"] as? String == "ip-block")
        #expect(try await shop.call("GET", "/api/drops", from: neighbour).status == 200)
        // X-Forwarded-For from an untrusted peer cannot dodge the block.
        var headers = HTTPHeaders()
        headers.set("X-Forwarded-For", "198.51.100.1")
        #expect(try await shop.call("GET", "/api/drops", headers: headers, from: attacker).status == 403)
        let listed = try #require(try await shop.call("GET", "/admin/waf/blocks", token: shop.adminToken).object["items"] as? [[String: Any]])
        #expect(listed.first?["hits"] as? Int == 2)
        #expect(shop.core.audit.entries().contains { $0.action == "waf.block" })

        await shop.stop(removingData: false)
        let reopened = try await TestShop.start(directory: shop.directory)
        defer { Task { await reopened.stop() } }
        #expect(try await reopened.call("GET", "/api/drops", from: attacker).status == 403)
        #expect(try await reopened.call("DELETE", "/admin/waf/blocks/127.0.8.0%2F24", token: reopened.adminToken).status == 204)
        #expect(try await reopened.call("GET", "/api/drops", from: attacker).status == 200)
        #expect(try await reopened.call("DELETE", "/admin/waf/blocks/127.0.8.0%2F24", token: reopened.adminToken).status == 404)
        #expect(reopened.core.audit.entries().contains { $0.action == "waf.unblock" && $0.detail == "unblocked 127.0.8.0/24" })
    }

    @Test func aBlockExpiresOnTime() async throws {
        let shop = try await TestShop.start()
        defer { Task { await shop.stop() } }
        let client = IPAddress("127.0.10.1")
        #expect(try await block(shop, #"{"ip":"127.0.10.1","reason":"cool off","ttlSeconds":60}"#).status == 201)
        #expect(try await shop.call("GET", "/api/drops", from: client).status == 403)
        shop.clock.advance(by: 59)
        #expect(try await shop.call("GET", "/api/drops", from: client).status == 403)
        shop.clock.advance(by: 1)
        #expect(try await shop.call("GET", "/api/drops", from: client).status == 200)
        #expect((try await shop.call("GET", "/admin/waf/blocks", token: shop.adminToken).object["items"] as? [Any])?.isEmpty == true)
    }

    @Test func blocksAreChecked() async throws {
        let shop = try await TestShop.start()
        defer { Task { await shop.stop() } }
        for bad in [#"{"cidr":"10.0.0.0/33","reason":"x"}"#, #"{"cidr":"nope","reason":"x"}"#, #"{"reason":"x"}"#,
                    #"{"cidr":"10.0.0.0/8","ip":"10.0.0.1","reason":"x"}"#, #"{"cidr":"10.0.0.0/8","reason":""}"#,
                    #"{"cidr":"10.0.0.0/8","reason":"x","ttlSeconds":0}"#] {
            #expect(try await block(shop, bad).status == 422, "\(bad)")
        }
        let v6 = try await block(shop, #"{"cidr":"2001:db8::/32","reason":"v6 range"}"#)
        #expect(v6.status == 201)
        #expect(v6.object["cidr"] as? String == "2001:db8::/32")
        #expect(try await shop.call("DELETE", "/admin/waf/blocks/2001:db8::%2F32", token: shop.adminToken).status == 204)
        #expect(try await shop.call("DELETE", "/admin/waf/blocks/not-an-ip", token: shop.adminToken).status == 422)
    }
}
