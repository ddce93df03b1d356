import Dashboard
import Foundation
import HTTP
import Testing
@testable import Shop

/// Issue 17: what a console attached over HTTP uses — the dashboard and actions on the wire, two roles, and
/// tokens rotated in a running shop.
@Suite struct OperationsWireTests {
    func viewerToken(_ shop: TestShop) -> String { shop.core.tokens.token(.viewer) }

    @Test func theViewerTokenReadsAndIsRefusedEveryChange() async throws {
        let shop = try await TestShop.start()
        defer { Task { await shop.stop() } }
        let viewer = viewerToken(shop)
        #expect(viewer != shop.adminToken)
        #expect(FileManager.default.fileExists(atPath: shop.directory + "/viewer-token"))
        let dashboard = try await shop.call("GET", "/admin/dashboard", token: viewer)
        #expect(dashboard.status == 200, "\(dashboard.text)")
        let snapshot = try DashboardCoding.decoder.decode(DashboardSnapshot.self, from: Data(dashboard.body))
        #expect(snapshot.queues.contains { $0.name == "checkout" })
        #expect(try await shop.call("GET", "/admin/audit", token: viewer).status == 200)
        #expect(try await shop.call("GET", "/admin/waf/blocks", token: viewer).status == 200)
        let refused = try await shop.call("POST", "/admin/actions", json: #"{"action":"block","cidr":"203.0.113.0/24","reason":"x"}"#, token: viewer)
        #expect(refused.status == 403, "\(refused.text)")
        #expect(try await shop.call("PUT", "/admin/products/p1/stock", json: #"{"stock":3}"#, token: viewer).status == 403)
        #expect(try await shop.call("POST", "/admin/tokens/admin/rotate", token: viewer).status == 403)
        #expect(shop.core.waf.blocks.list(now: shop.core.waf.now).isEmpty)
    }

    @Test func actionsArriveAsJSONAndAnswerTheirOutcome() async throws {
        let shop = try await TestShop.start()
        defer { Task { await shop.stop() } }
        let blocked = try await shop.call("POST", "/admin/actions", json: #"{"action":"block","cidr":"203.0.113.0/24","reason":"scraping","ttlSeconds":600}"#,
                                          token: shop.adminToken)
        #expect(blocked.status == 200, "\(blocked.text)")
        let outcome = try DashboardCoding.decoder.decode(OperatorOutcome.self, from: Data(blocked.body))
        #expect(outcome.message == "blocked 203.0.113.0/24: scraping for 600 s")
        #expect(shop.core.waf.blocks.list(now: shop.core.waf.now).map(\.cidr) == ["203.0.113.0/24"])
        let key = try await shop.call("POST", "/admin/actions", json: #"{"action":"createAPIKey","name":"partner","rate":5,"burst":10}"#, token: shop.adminToken)
        #expect((key.object["secret"] as? String)?.isEmpty == false)
        for (body, status) in [(#"{"action":"teleport"}"#, 422), (#"{"action":"block","cidr":"1.2.3.4"}"#, 422), ("{", 400),
                               (#"{"action":"restock","productId":"p1","stock":"many"}"#, 422), (#"{"action":"unblock","cidr":"198.51.100.1"}"#, 404)] {
            let response = try await shop.call("POST", "/admin/actions", json: body, token: shop.adminToken)
            #expect(response.status == status, "\(body): \(response.text)")
        }
        // Every action round-trips through its JSON form.
        for action in OperationsPathTests.samples + [.acknowledgeRepairs, .createDrop(productId: "p1", stock: 2, opensAt: Date(timeIntervalSince1970: 1_800_000_000))] {
            let data = try DashboardCoding.encoder.encode(action)
            #expect(try DashboardCoding.decoder.decode(OperatorAction.self, from: data) == action, "\(String(decoding: data, as: UTF8.self))")
        }
    }

    @Test func aRotatedTokenTakesEffectAtOnceInARunningShop() async throws {
        let shop = try await TestShop.start()
        defer { Task { await shop.stop() } }
        let old = shop.adminToken
        let rotated = try await shop.call("POST", "/admin/tokens/admin/rotate", token: old)
        #expect(rotated.status == 200, "\(rotated.text)")
        let new = try #require(rotated.object["token"] as? String)
        #expect(try await shop.call("GET", "/admin/queues", token: old).status == 401)
        #expect(try await shop.call("GET", "/admin/queues", token: new).status == 200)
        #expect(shop.core.audit.entries(since: 0, limit: 500).last?.action == "token.rotate")
        #expect(shop.core.audit.entries(since: 0, limit: 500).allSatisfy { !$0.detail.contains(new) }, "the token never reaches the audit trail")
        // As `shopdeck tokens rotate` does it, from outside the process.
        let oldViewer = viewerToken(shop)
        let newViewer = try AccessTokens.rotate(.viewer, directory: shop.directory)
        #expect(try await shop.call("GET", "/admin/dashboard", token: oldViewer).status == 401)
        #expect(try await shop.call("GET", "/admin/dashboard", token: newViewer).status == 200)
    }

    @Test func theDashboardTakesAFocusAndStaysSmall() async throws {
        let shop = try await TestShop.start()
        defer { Task { await shop.stop() } }
        // A busy minute: many clients and routes, blocks, runs.
        for index in 0..<200 { _ = try await shop.call("GET", "/api/products/p\(index % 30 + 1)", from: .v4(0x7F0A_0000 + UInt32(index))) }
        for index in 0..<40 { _ = try await shop.core.perform(.block(cidr: "198.51.\(index).0/24", reason: "noisy neighbours of the shop", ttlSeconds: 600)) }
        let response = try await shop.call("GET", "/admin/dashboard?focus=client:127.10.0.7", token: shop.adminToken)
        #expect(response.status == 200)
        #expect(response.body.count < 32 * 1024, "\(response.body.count) bytes")
        let snapshot = try DashboardCoding.decoder.decode(DashboardSnapshot.self, from: Data(response.body))
        #expect(snapshot.focused?.focus == .client("127.10.0.7"))
        #expect(snapshot.focused?.requests.isEmpty == false)
        #expect(try await shop.call("GET", "/admin/dashboard?focus=planet:mars", token: shop.adminToken).status == 422)

        // The time window: traffic over the last hour, the rules' matches over a day when a day is asked for.
        let hour = try DashboardCoding.decoder.decode(DashboardSnapshot.self, from: Data(
            try await shop.call("GET", "/admin/dashboard?window=3600", token: shop.adminToken).body))
        #expect(hour.traffic.windowSeconds == 3600 && hour.traffic.bucketSeconds == 60 && hour.traffic.requestsPerSecond.count == 60)
        #expect(hour.traffic.topClients.count == 10 && hour.rules?.allSatisfy { $0.perTenMinutes == nil } == true)
        let day = try DashboardCoding.decoder.decode(DashboardSnapshot.self, from: Data(
            try await shop.call("GET", "/admin/dashboard?window=86400", token: shop.adminToken).body))
        #expect(day.traffic.windowSeconds == 86_400 && day.rules?.allSatisfy { $0.perTenMinutes != nil } == true)
        for bad in ["7", "60", "abc"] {
            #expect(try await shop.call("GET", "/admin/dashboard?window=\(bad)", token: shop.adminToken).status == 422)
        }
    }
}
