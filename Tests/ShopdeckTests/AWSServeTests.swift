import CrashHarness
import Foundation
import HTTP
import Testing

/// `serve --backend aws` against moto on loopback: the first start creates the shop's tables, queues and
/// topic and says so; an order placed over HTTP goes through SNS, SQS and the checkout saga to confirmed,
/// its stock taken in DynamoDB; a restart finds everything and the data is still there — it lives in the
/// backend, not in the data directory.
@Suite struct AWSServeTests {
    @Test func aShopOnTheAWSBackendTakesAnOrderToConfirmedAndKeepsItsDataAcrossARestart() async throws {
        guard let moto = try await MotoServer.starting() else { return }
        defer { moto.stop() }
        let environment = ["AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                           "AWS_ENDPOINT_URL": moto.endpoint.absoluteString,
                           // moto-serial answers one request at a time: a 20 s long poll would hold it for 20 s.
                           "SHOPDECK_SQS_MAX_WAIT_SECONDS": "0"]
        let directory = temporaryDirectory("serve-aws")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let arguments = ["--data", directory, "--listen", "127.0.0.1:0", "--backend", "aws", "--resource-prefix", "t19-"]
        let first = try await onThread { try ServeProcess(arguments, environment: environment) }
        let report = try #require(first.preamble.first { $0.hasPrefix("aws backend (us-east-1, ") }, "\(first.preamble)")
        #expect(report.contains("created table t19-") && report.contains("table t19-orders,") && report.contains("queue t19-checkout,") && report.contains("topic t19-orders"), "\(report)")

        let admin = try String(contentsOfFile: directory + "/admin-token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        var shop = ShopClient(client: HTTPClient(timeout: 30, concurrency: 4), address: first.address)
        #expect(try await shop.send("PUT", "/admin/products/p1/stock", json: #"{"stock":5}"#, bearer: admin).status == 200)
        shop.apiKey = try #require(try await shop.object("POST", "/admin/api-keys", json: #"{"name":"aws","rate":1000,"burst":1000}"#, bearer: admin)["key"] as? String)
        let credentials = #"{"email":"aws@example.com","password":"correct-horse-42"}"#
        #expect(try await shop.send("POST", "/api/users", json: credentials).status == 201)
        shop.token = try #require(try await shop.object("POST", "/api/sessions", json: credentials)["token"] as? String)
        let placed = try await shop.send("POST", "/api/orders", json: #"{"items":[{"productId":"p1","quantity":2}]}"#, idempotencyKey: "aws-1")
        #expect(placed.status == 202)
        let id = try #require((try JSONSerialization.jsonObject(with: Data(placed.body)) as? [String: Any])?["orderId"] as? String)
        var status = ""
        let deadline = Date().addingTimeInterval(60)
        while status != "confirmed" && status != "failed", Date() < deadline {
            status = try await shop.object("GET", "/api/orders/\(id)")["status"] as? String ?? ""
            if status != "confirmed" { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(status == "confirmed")
        #expect(try await shop.object("GET", "/api/products/p1")["stock"] as? Int == 3)
        #expect(try await onThread { first.stop() } == 0)

        let second = try await onThread { try ServeProcess(arguments, environment: environment) }
        #expect(second.preamble.contains { $0.hasSuffix("found every table, queue and topic") }, "\(second.preamble)")
        shop = ShopClient(client: HTTPClient(timeout: 30, concurrency: 4), address: second.address, token: shop.token, apiKey: shop.apiKey)
        #expect(try await shop.object("GET", "/api/orders/\(id)")["status"] as? String == "confirmed")
        #expect(try await shop.object("GET", "/api/products/p1")["stock"] as? Int == 3)
        #expect(try await onThread { second.stop() } == 0)
    }
}
