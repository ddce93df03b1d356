import CrashHarness
import Foundation
import HTTP
import Testing

/// Two `serve --backend aws` processes on one moto are one shop (issue 19): what one makes, the other
/// accepts; stock never oversells across them; a block on one holds on the other within seconds; and when
/// one dies in an order burst, the survivor settles every order the dead one acknowledged.
@Suite struct SharedShopTests {
    static let order = #"{"items":[{"productId":"p1","quantity":1}]}"#

    /// Two instances on a fresh prefix, the second started once the first has made the tables.
    struct Pair {
        let first: ServeProcess
        let second: ServeProcess
        let directories: [String]
        let admin: String

        init(moto: MotoServer, prefix: String) async throws {
            let environment = ["AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                               "AWS_ENDPOINT_URL": moto.endpoint.absoluteString, "SHOPDECK_SQS_MAX_WAIT_SECONDS": "0"]
            directories = [temporaryDirectory("shared-a"), temporaryDirectory("shared-b")]
            let arguments = directories.map { ["--data", $0, "--listen", "127.0.0.1:0", "--backend", "aws", "--resource-prefix", prefix,
                                               "--trusted-proxy", "127.0.0.1/32"] }
            first = try await onThread { try ServeProcess(arguments[0], environment: environment) }
            second = try await onThread { try ServeProcess(arguments[1], environment: environment) }
            admin = try String(contentsOfFile: directories[0] + "/admin-token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }

        /// Raises the per-address rate rule through the first instance (the tests poll orders far faster than
        /// a shopper would) and waits until the second enforces the same limit: a rule change made on one
        /// instance reaches the other.
        func raiseRateLimit() async throws {
            let a = ShopClient(client: HTTPClient(timeout: 30, concurrency: 2), address: first.address)
            let b = ShopClient(client: HTTPClient(timeout: 30, concurrency: 2), address: second.address)
            #expect(try await a.send("PUT", "/admin/waf/rules/rate-limit", json: #"{"limit":1000000}"#, bearer: admin).status == 200)
            let changedAt = Date()
            func limit() async throws -> Int? {
                let rules = try await b.object("GET", "/admin/waf/rules", bearer: admin)["items"] as? [[String: Any]]
                return rules?.first { $0["name"] as? String == "rate-limit" }?["limit"] as? Int
            }
            while try await limit() != 1_000_000, Date().timeIntervalSince(changedAt) < 5 { try await Task.sleep(for: .milliseconds(100)) }
            #expect(try await limit() == 1_000_000, "the second instance did not take the rule change within 5 s")
        }

        func remove() {
            for directory in directories { try? FileManager.default.removeItem(atPath: directory) }
        }

        /// Runs `body`; if it throws, prints the end of both instances' logs and kills them (a test that
        /// stopped half-way must not leave them running).
        func reportingFailure(_ body: () async throws -> Void) async throws {
            do {
                try await body()
            } catch {
                for (name, instance) in [("first", first), ("second", second)] {
                    print("shared-shop: the \(name) instance's log ends:\n\(instance.log.suffix(3000))")
                    kill(instance.pid, SIGKILL)
                }
                throw error
            }
        }
    }

    /// A signed-in shopper with an API key, made through `shop`.
    static func shopper(_ shop: ShopClient, admin: String, email: String, apiKey: String) async throws -> ShopClient {
        var shopper = shop
        shopper.apiKey = apiKey
        let credentials = #"{"email":"\#(email)","password":"correct-horse-42"}"#
        #expect(try await shopper.send("POST", "/api/users", json: credentials).status == 201)
        shopper.token = try #require(try await shopper.object("POST", "/api/sessions", json: credentials)["token"] as? String)
        return shopper
    }

    /// Polls each order (one request at a time: moto-serial answers one at a time) until none is pending or
    /// `seconds` pass; returns the settled ones' statuses.
    static func settle(_ orders: [String: ShopClient], within seconds: Double) async throws -> [String: String] {
        var settled: [String: String] = [:]
        let deadline = Date().addingTimeInterval(seconds)
        while settled.count < orders.count, Date() < deadline {
            for (id, client) in orders where settled[id] == nil {
                if let status = try? await client.object("GET", "/api/orders/\(id)")["status"] as? String, status != "pending" { settled[id] = status }
            }
            if settled.count < orders.count { try await Task.sleep(for: .milliseconds(250)) }
        }
        return settled
    }

    /// Runs `body` on two fresh instances on their own moto (nothing when moto is missing), with the rate rule
    /// raised through the first; cleans up however it ends.
    static func onTwoInstances(prefix: String, _ body: (Pair) async throws -> Void) async throws {
        guard let moto = try await MotoServer.starting() else { return }
        defer { moto.stop() }
        let pair = try await Pair(moto: moto, prefix: prefix)
        defer { pair.remove() }
        try await pair.reportingFailure {
            try await pair.raiseRateLimit()
            try await body(pair)
        }
    }

    @Test func twoInstancesShareAccountsKeysStockAndBlocks() async throws {
        try await Self.onTwoInstances(prefix: "t19s-", Self.shareAccountsKeysStockAndBlocks)
    }

    static func shareAccountsKeysStockAndBlocks(_ pair: Pair) async throws {
        // One admin token for both: the second instance took the first one's from the store.
        let secondAdmin = try String(contentsOfFile: pair.directories[1] + "/admin-token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(secondAdmin == pair.admin)

        let a = ShopClient(client: HTTPClient(timeout: 60, concurrency: 64), address: pair.first.address)
        let b = ShopClient(client: HTTPClient(timeout: 60, concurrency: 64), address: pair.second.address)
        #expect(try await a.send("PUT", "/admin/products/p1/stock", json: #"{"stock":50}"#, bearer: pair.admin).status == 200)
        // An API key made on the first reaches the second within a sync round or two.
        let apiKey = try #require(try await a.object("POST", "/admin/api-keys", json: #"{"name":"shared","rate":100000,"burst":100000}"#, bearer: pair.admin)["key"] as? String)
        var keyed = b
        keyed.apiKey = apiKey
        let keyDeadline = Date().addingTimeInterval(10)
        while try await keyed.send("GET", "/api/products/p1").status != 200, Date() < keyDeadline { try await Task.sleep(for: .milliseconds(200)) }
        #expect(try await keyed.send("GET", "/api/products/p1").status == 200)

        // Shoppers sign up on either instance; a token made on one is accepted by the other. (Four: a sign-up
        // hashes a password for about 3 s in a debug build.)
        var buyers: [ShopClient] = []
        for index in 0..<4 {
            let made = try await Self.shopper(index % 2 == 0 ? a : b, admin: pair.admin, email: "buyer\(index)@example.com", apiKey: apiKey)
            var other = index % 2 == 0 ? b : a
            other.token = made.token
            other.apiKey = apiKey
            buyers.append(other)
        }
        #expect(try await buyers[0].send("GET", "/api/orders").status == 200)
        let started = Date()
        print("shared-shop: 4 shoppers signed in across both instances")

        // 200 orders at once, 50 from each shopper, each sent to the instance that did not sign it in.
        let (orders, latencies) = try await withThrowingTaskGroup(of: (String, ShopClient, Double)?.self) { group in
            for index in 0..<200 {
                let buyer = buyers[index % buyers.count]
                group.addTask {
                    let sent = Date()
                    let response = try await buyer.send("POST", "/api/orders", json: Self.order, idempotencyKey: "shared-\(index)")
                    let seconds = Date().timeIntervalSince(sent)
                    #expect(response.status == 202, "\(response.text)")
                    let id = ((try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any])?["orderId"] as? String
                    return id.map { ($0, buyer, seconds) }
                }
            }
            var placed: [String: ShopClient] = [:]
            var latencies: [Double] = []
            for try await case let (id, buyer, seconds)? in group {
                placed[id] = buyer
                latencies.append(seconds)
            }
            return (placed, latencies.sorted())
        }
        #expect(orders.count == 200)
        let percentile = { (share: Double) in latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, Int(Double(latencies.count) * share))] * 1000 }
        print("shared-shop: 200 orders acknowledged in \(String(format: "%.1f", Date().timeIntervalSince(started))) s,"
              + " answer p50 \(String(format: "%.0f", percentile(0.5))) ms p99 \(String(format: "%.0f", percentile(0.99))) ms")
        let settled = try await Self.settle(orders, within: 120)
        print("shared-shop: \(settled.count) settled \(String(format: "%.1f", Date().timeIntervalSince(started))) s after the first was placed")
        #expect(settled.count == 200, "\(200 - settled.count) orders still pending")
        #expect(settled.values.filter { $0 == "confirmed" }.count == 50)
        #expect(settled.values.filter { $0 == "failed" }.count == settled.count - 50)
        for shop in [keyed, buyers[1]] {
            // The edge cache answers product reads for up to 2 s: wait that out.
            let deadline = Date().addingTimeInterval(5)
            var stock = try await shop.object("GET", "/api/products/p1")["stock"] as? Int
            while stock != 0, Date() < deadline {
                try await Task.sleep(for: .milliseconds(250))
                stock = try await shop.object("GET", "/api/products/p1")["stock"] as? Int
            }
            #expect(stock == 0)
        }

        // A block made on the first instance holds on the second within 5 seconds.
        let attacker = "203.0.113.77"
        #expect(try await keyed.send("GET", "/api/products/p1", forwardedFor: attacker).status == 200)
        #expect(try await a.send("POST", "/admin/waf/blocks", json: #"{"ip":"\#(attacker)","reason":"shared test"}"#, bearer: pair.admin).status == 201)
        let blockedAt = Date()
        var status = 200
        while status != 403, Date().timeIntervalSince(blockedAt) < 5 {
            status = try await keyed.send("GET", "/api/products/p1", forwardedFor: attacker).status
            if status != 403 { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(status == 403, "the second instance still served the blocked address after 5 s")
        print("shared-shop: a block made on the first instance held on the second after \(String(format: "%.1f", Date().timeIntervalSince(blockedAt))) s")
        // And lifting it on the second frees it on the first.
        #expect(try await b.send("DELETE", "/admin/waf/blocks/\(attacker)", bearer: pair.admin).status == 204)
        var freed = a
        freed.apiKey = apiKey
        let liftedAt = Date()
        while try await freed.send("GET", "/api/products/p1", forwardedFor: attacker).status != 200, Date().timeIntervalSince(liftedAt) < 5 {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(try await freed.send("GET", "/api/products/p1", forwardedFor: attacker).status == 200)

        // The allowlist likewise: a range put on it on the first is listed on the second, taken off there, gone here.
        func allowlisted(_ shop: ShopClient) async throws -> [String] {
            ((try await shop.object("GET", "/admin/dashboard", bearer: pair.admin)["allowlist"] as? [[String: Any]]) ?? []).compactMap { $0["cidr"] as? String }
        }
        #expect(try await a.send("POST", "/admin/actions", json: #"{"action":"allow","cidr":"198.51.100.0/24","reason":"the office"}"#,
                                 bearer: pair.admin).status == 200)
        let allowedAt = Date()
        while try await allowlisted(b).isEmpty, Date().timeIntervalSince(allowedAt) < 5 { try await Task.sleep(for: .milliseconds(100)) }
        #expect(try await allowlisted(b) == ["198.51.100.0/24"], "the second instance does not know the range after 5 s")
        #expect(try await b.send("POST", "/admin/actions", json: #"{"action":"disallow","cidr":"198.51.100.0/24"}"#, bearer: pair.admin).status == 200)
        let disallowedAt = Date()
        while try await !allowlisted(a).isEmpty, Date().timeIntervalSince(disallowedAt) < 5 { try await Task.sleep(for: .milliseconds(100)) }
        #expect(try await allowlisted(a).isEmpty, "the first instance still allowlists the range 5 s after it was taken off")

        // One audit listing for the shop: the block made on the first and the unblock made on the second, read on either.
        let audit = try await b.object("GET", "/admin/audit", bearer: pair.admin)
        let entries = audit["items"] as? [[String: Any]] ?? []
        let recorders = Dictionary(grouping: entries) { $0["action"] as? String ?? "" }.mapValues { Set($0.compactMap { $0["instance"] as? String }) }
        #expect(recorders["waf.block"]?.count == 1 && recorders["waf.unblock"]?.count == 1 && recorders["waf.block"] != recorders["waf.unblock"],
                "\(recorders)")
        #expect((audit["scope"] as? String)?.hasPrefix("every instance's entries") == true)

        // A viewer token rotated on the second works on the first within seconds, and the old one stops working there.
        let oldViewer = try String(contentsOfFile: pair.directories[0] + "/viewer-token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try await a.send("GET", "/admin/waf/rules", bearer: oldViewer).status == 200)
        let newViewer = try #require(try await b.object("POST", "/admin/tokens/viewer/rotate", bearer: pair.admin)["token"] as? String)
        let rotatedAt = Date()
        while try await a.send("GET", "/admin/waf/rules", bearer: newViewer).status != 200, Date().timeIntervalSince(rotatedAt) < 5 {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(try await a.send("GET", "/admin/waf/rules", bearer: newViewer).status == 200)
        #expect(try await a.send("GET", "/admin/waf/rules", bearer: oldViewer).status == 401)
        #expect(try String(contentsOfFile: pair.directories[0] + "/viewer-token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) == newViewer)
        #expect(try await onThread { pair.first.stop() } == 0)
        #expect(try await onThread { pair.second.stop() } == 0)
    }

    @Test func aKilledInstancesAcknowledgedOrdersSettleThroughTheSurvivor() async throws {
        try await Self.onTwoInstances(prefix: "t19k-", Self.settleThroughTheSurvivor)
    }

    static func settleThroughTheSurvivor(_ pair: Pair) async throws {
        let a = ShopClient(client: HTTPClient(timeout: 60, concurrency: 32), address: pair.first.address)
        let b = ShopClient(client: HTTPClient(timeout: 60, concurrency: 32), address: pair.second.address)
        let initialStock = 40
        #expect(try await a.send("PUT", "/admin/products/p1/stock", json: #"{"stock":\#(initialStock)}"#, bearer: pair.admin).status == 200)
        let apiKey = try #require(try await a.object("POST", "/admin/api-keys", json: #"{"name":"kill","rate":100000,"burst":100000}"#, bearer: pair.admin)["key"] as? String)
        let buyer = try await Self.shopper(a, admin: pair.admin, email: "kill@example.com", apiKey: apiKey)
        var survivor = b
        survivor.token = buyer.token
        survivor.apiKey = apiKey

        // A burst at the first instance; it is killed once 30 orders are acknowledged, while checkouts run.
        let ledger = OrderLedger()
        try await ledger.burst(buyer, order: Self.order, workers: 8, killing: pair.first.pid, after: 30)
        _ = try await onThread { pair.first.stop(SIGKILL) }
        let killedAt = Date()

        // Every order the dead instance acknowledged ends confirmed or failed within 60 s, read through the survivor.
        let acknowledged = ledger.state.withLock { Dictionary(uniqueKeysWithValues: $0.accepted.values.map { ($0, survivor) }) }
        let settled = try await Self.settle(acknowledged, within: 60)
        let stuck = Set(acknowledged.keys).subtracting(settled.keys)
        #expect(stuck.isEmpty, "still pending 60 s after the kill: \(stuck.sorted())")
        let log = pair.second.log
        let takenOver = log.split(separator: "\n").filter { $0.contains("took over runs") || $0.contains("pending orders handed to checkout") }
        print("shared-shop kill: \(acknowledged.count) acknowledged orders settled \(String(format: "%.1f", Date().timeIntervalSince(killedAt))) s after the kill;"
              + " the survivor said: \(takenOver.map { String($0.suffix(90)) })")
        // Any instance shows any run: the survivor reads the checkout runs from the store, whoever drove them.
        for id in acknowledged.keys.sorted().prefix(5) {
            let run = try await survivor.object("GET", "/admin/runs/checkout-\(id)", bearer: pair.admin)
            #expect(["succeeded", "compensated"].contains(run["state"] as? String ?? ""), "run of \(id): \(run)")
        }
        let listing = try await survivor.object("GET", "/admin/runs", bearer: pair.admin)
        #expect((listing["scope"] as? String)?.hasPrefix("runs this instance") == true)
        let confirmed = settled.values.filter { $0 == "confirmed" }.count
        let stock = try #require(try await survivor.object("GET", "/api/products/p1")["stock"] as? Int)
        #expect(confirmed <= initialStock - stock, "confirmed \(confirmed), stock left \(stock)")
        #expect(stock >= 0)
        #expect(try await onThread { pair.second.stop() } == 0)
    }
}
