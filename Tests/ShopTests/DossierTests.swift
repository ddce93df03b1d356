import Addressing
import Dashboard
import Foundation
import HTTP
import Testing
@testable import Shop

/// Issue 21: the address dossier — who stands behind an address, and what a block would cut off — built from
/// what the shop saw each address do, read over the admin API the way an attached console reads it.
@Suite struct DossierTests {
    func dossier(_ shop: TestShop, _ network: String) async throws -> Dossier {
        let response = try await shop.call("GET", "/admin/dashboard?focus=client:\(network)", token: shop.adminToken)
        let snapshot = try DashboardCoding.decoder.decode(DashboardSnapshot.self, from: Data(response.body))
        return try #require(snapshot.focused?.dossier)
    }

    @Test func aRangesDossierNamesItsAccountsTheirConfirmedOrdersAndDropEntries() async throws {
        let shop = try await TestShop.start()
        defer { Task { await shop.stop() } }
        let office = IPAddress.v4(0x7F32_0001), colleague = IPAddress.v4(0x7F32_0002), stranger = IPAddress.v4(0x7F3C_0001)
        let buyer = try await shop.shopper(from: office)
        let browser = try await shop.shopper(from: colleague)
        var headers = HTTPHeaders()
        headers.set("Idempotency-Key", "dossier-1")
        let placed = try await shop.call("POST", "/api/orders", json: #"{"items":[{"productId":"p2","quantity":2}]}"#, token: buyer.token,
                                         headers: headers, from: office)
        #expect(placed.status == 202)
        let orderID = try #require(placed.object["orderId"] as? String)
        try await eventually("the order confirmed") {
            try await shop.call("GET", "/api/orders/\(orderID)", token: buyer.token, from: office).object["status"] as? String == "confirmed"
        }
        let drop = try await shop.core.perform(.createDrop(productId: "p3", stock: 5, opensAt: nil))
        let entered = try await shop.call("POST", "/api/drops/\(try #require(drop.createdID))/entries", token: buyer.token, from: office)
        #expect(entered.status == 202)
        for _ in 0..<3 {
            _ = try await shop.call("POST", "/api/sessions", json: #"{"email":"victim@example.com","password":"guess-guess-1"}"#, from: stranger)
        }

        let range = try await dossier(shop, "127.50.0.0/24")
        #expect(range.accountCount == 2)
        let first = try #require(range.accounts.first)
        #expect(first.account == buyer.userId, "the buyer ranks first")
        #expect(first.signIns == 1 && first.orders == 1 && first.confirmedOrders == 1 && first.dropEntries == 1 && first.revenue > 0)
        #expect(range.accounts.last?.account == browser.userId && range.accounts.last?.orders == 0)
        #expect(range.impact.hasPrefix("127.50.0.0/24 placed 1 confirmed order ("), "\(range.impact)")
        #expect(range.impact.contains("from 1 account in the last hour; 2 accounts signed in; 1 drop entry"), "\(range.impact)")

        let one = try await dossier(shop, "127.50.0.2")
        #expect(one.accounts.map(\.account) == [browser.userId], "a single address sees only its own accounts")
        let attacker = try await dossier(shop, "127.60.0.1")
        #expect(attacker.accounts.map(\.account) == ["victim@example.com"] && attacker.accounts.first?.failedSignIns == 3)
        #expect(attacker.impact == "127.60.0.1 placed no order and signed in to no account in the last hour (3 failed sign-ins)")

        // An hour later the window has moved on.
        shop.clock.advance(by: 3601)
        #expect(try await dossier(shop, "127.50.0.0/24").accounts.isEmpty)
    }

    /// The request inspector over HTTP: the verdicts list carries ids, and one verdict comes back with the
    /// request as the WAF saw it — its target, its headers, the field that matched and the decoded value.
    @Test func aVerdictsRequestIsInspectedThroughTheAdminAPI() async throws {
        let shop = try await TestShop.start()
        defer { Task { await shop.stop() } }
        var headers = HTTPHeaders()
        headers.set("X-Probe", "inspector")
        let probe = try await shop.call("GET", "/api/products?q=1%27%20OR%20%271%27%3D%271", headers: headers, from: .v4(0x7F46_0001))
        #expect(probe.status == 403)
        func focused(_ parameter: String) async throws -> FocusedDetail {
            let response = try await shop.call("GET", "/admin/dashboard?focus=\(parameter)", token: shop.adminToken)
            #expect(response.status == 200, "\(response.text)")
            return try #require(try DashboardCoding.decoder.decode(DashboardSnapshot.self, from: Data(response.body)).focused)
        }
        let listed = try #require(try await focused("verdicts:").verdicts.first { $0.clientIP == "127.70.0.1" })
        let id = try #require(listed.id)
        let inspected = try #require(try await focused("verdict:\(id)").inspected)
        #expect(inspected.verdict.rule == "sqli" && inspected.verdict.action == "block")
        #expect(inspected.target == "/api/products?q=1%27%20OR%20%271%27%3D%271")
        #expect(inspected.headers.contains(["X-Probe", "inspector"]) || inspected.headers.contains(["x-probe", "inspector"]), "\(inspected.headers)")
        #expect(inspected.field == "ARGS:q" && inspected.excerpt?.contains("'1'='1") == true)
        let gone = try await focused("verdict:999999")
        #expect(gone.inspected == nil && gone.problem?.contains("has left the log") == true)
        #expect(try await shop.call("GET", "/admin/dashboard?focus=verdict:abc", token: shop.adminToken).status == 422)
    }

    /// The false-positive preview over HTTP: with sqli counting, a paying customer whose search looks like an
    /// injection and an attacker both match; switching sqli to block would refuse both, and the preview names
    /// the customer first. A tighter rate limit is replayed against the current window the same way.
    @Test func aRulePreviewNamesThePayingCustomersAChangeWouldShutOut() async throws {
        let shop = try await TestShop.start()
        defer { Task { await shop.stop() } }
        _ = try await shop.core.perform(.setRule(name: "sqli", action: "count"))
        let customerAddress = IPAddress.v4(0x7F32_0001), attacker = IPAddress.v4(0x7F3C_0001)
        let customer = try await shop.shopper(from: customerAddress)
        var headers = HTTPHeaders()
        headers.set("Idempotency-Key", "preview-1")
        let placed = try await shop.call("POST", "/api/orders", json: #"{"items":[{"productId":"p2","quantity":1}]}"#, token: customer.token,
                                         headers: headers, from: customerAddress)
        let orderID = try #require(placed.object["orderId"] as? String)
        try await eventually("the order confirmed") {
            try await shop.call("GET", "/api/orders/\(orderID)", token: customer.token, from: customerAddress).object["status"] as? String == "confirmed"
        }
        let probe = "/api/products?q=1%27%20OR%20%271%27%3D%271"
        #expect(try await shop.call("GET", probe, from: customerAddress).status == 200, "counted, not blocked")
        for _ in 0..<3 { _ = try await shop.call("GET", probe, from: attacker) }

        let preview = try await shop.call("GET", "/admin/waf/rules/sqli/preview?action=block", token: shop.adminToken).object
        #expect(preview["effect"] as? String == "refused" && preview["requests"] as? Int == 4 && preview["addressCount"] as? Int == 2, "\(preview)")
        let addresses = try #require(preview["addresses"] as? [[String: Any]])
        #expect(addresses.first?["address"] as? String == "127.50.0.1" && addresses.first?["confirmedOrders"] as? Int == 1)
        #expect(addresses.first?["payingAccounts"] as? [String] == [customer.userId])
        #expect(addresses.last?["address"] as? String == "127.60.0.1" && addresses.last?["confirmedOrders"] as? Int == 0)

        // Both addresses sent several requests in the rate rule's window: a limit of 1 would refuse both.
        let tighter = try await shop.call("GET", "/admin/waf/rules/rate-limit/preview?limit=1", token: shop.adminToken).object
        #expect(tighter["effect"] as? String == "refused" && tighter["addressCount"] as? Int ?? 0 >= 2, "\(tighter)")
        #expect((tighter["addresses"] as? [[String: Any]])?.first?["address"] as? String == "127.50.0.1", "the paying customer first")
        let unchanged = try await shop.call("GET", "/admin/waf/rules/rate-limit/preview", token: shop.adminToken).object
        #expect(unchanged["effect"] as? String == "none")
        #expect(try await shop.call("GET", "/admin/waf/rules/nope/preview", token: shop.adminToken).status == 404)
        #expect(try await shop.call("GET", "/admin/waf/rules/sqli/preview?action=bogus", token: shop.adminToken).status == 422)
        #expect(try await shop.call("GET", "/admin/waf/rules/sqli/preview?action=block", token: shop.core.tokens.token(.viewer)).status == 200,
                "a viewer may look: nothing changes")
    }

    /// The ring keeps the latest events only; an order forgotten with its event is no longer settled.
    @Test func activityIsBoundedAndSettlesOrdersItStillHolds() {
        let activity = AddressActivity(capacity: 4)
        let now = Date(timeIntervalSince1970: 1_000_000)
        let network = IPNetwork("10.0.0.0/8")!
        for index in 0..<6 {
            activity.record(.ordered, from: .v4(0x0A00_0000 + UInt32(index)), account: "u\(index)", subject: "o\(index)", amount: 100,
                            at: now.addingTimeInterval(Double(index)))
        }
        activity.settle(order: "o1", outcome: "confirmed")
        activity.settle(order: "o5", outcome: "confirmed")
        let events = activity.events(in: network, since: now, limit: 10)
        #expect(events.map { $0.subject ?? "" } == ["o5", "o4", "o3", "o2"], "newest first, the oldest two evicted")
        #expect(events.first?.outcome == "confirmed" && events.dropFirst().allSatisfy { $0.outcome == nil })
        #expect(activity.events(in: network, since: now.addingTimeInterval(4), limit: 10).count == 2)
        #expect(activity.events(in: network, since: now, limit: 1).count == 1)
        #expect(activity.events(in: IPNetwork("10.0.0.3/32")!, since: now, limit: 10).map(\.account) == ["u3"])
    }
}
