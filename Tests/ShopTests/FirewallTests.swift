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
        #expect((error["message"] as? String)?.contains("query:q") == true)
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
        #expect(shop.core.audit.entries().contains { $0.action == "waf.rule" && $0.detail == "sqli set to count" })

        await shop.stop(removingData: false)
        let reopened = try await TestShop.start(directory: shop.directory)
        defer { Task { await reopened.stop() } }
        let rules = try #require(try await reopened.call("GET", "/admin/waf/rules", token: reopened.adminToken).object["items"] as? [[String: Any]])
        #expect(rules.map { $0["name"] as? String } == ["sqli", "xss", "cmdi", "traversal"])
        #expect(rules.first?["action"] as? String == "count")
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
