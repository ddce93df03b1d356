import Foundation
import Hashing
import HTTP
import Testing
@testable import Shop

@Suite struct AdminTests {
    @Test func adminRoutesNeedTheAdminToken() async throws {
        let shop = try await TestShop.start()
        defer { Task { await shop.stop() } }
        let user = try await shop.signedInUser()
        for (method, path) in [("GET", "/admin/queues"), ("GET", "/admin/audit"), ("POST", "/admin/drops"), ("PUT", "/admin/products/p1/stock")] {
            let anonymous = try await shop.call(method, path)
            #expect(anonymous.status == 401, "\(method) \(path)")
            #expect(anonymous.headers["WWW-Authenticate"] == "Bearer")
            #expect(anonymous.errorCode == "unauthenticated")
            #expect(try await shop.call(method, path, token: user).status == 403, "\(method) \(path)")
            #expect(try await shop.call(method, path, token: "not-the-admin-token").status == 401, "\(method) \(path)")
        }
        let attributes = try FileManager.default.attributesOfItem(atPath: shop.directory + "/admin-token")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
    }

    @Test func queuesRunsAndPipelinesAreVisibleAndRedriveIsAudited() async throws {
        let shop = try await TestShop.start()
        defer { Task { await shop.stop() } }
        let admin = shop.adminToken
        let queues = try #require(try await shop.call("GET", "/admin/queues", token: admin).object["items"] as? [[String: Any]])
        let names = Set(queues.compactMap { $0["name"] as? String })
        #expect(names.isSuperset(of: [Messaging.checkout, Messaging.analytics, Messaging.notifications, Messaging.dropEntries]))
        let entries = try #require(queues.first { $0["name"] as? String == Messaging.dropEntries })
        #expect(entries["type"] as? String == "fifo")
        #expect((entries["dlq"] as? [String: Any])?["name"] as? String != nil)
        for field in ["visible", "inFlight", "delayed", "oldestAgeSeconds"] { #expect(entries[field] != nil, "\(field)") }

        let redriven = try await shop.call("POST", "/admin/queues/\(Messaging.checkout)/redrive", token: admin)
        #expect(redriven.status == 200)
        #expect(redriven.object["moved"] as? Int == 0)
        #expect(try await shop.call("POST", "/admin/queues/nope/redrive", token: admin).status == 404)
        #expect(try await shop.call("POST", "/admin/queues/\(Messaging.notifications)/purge", token: admin).status == 204)
        #expect(try await shop.call("POST", "/admin/queues/nope/purge", token: admin).status == 404)

        let pipelines = try #require(try await shop.call("GET", "/admin/pipelines", token: admin).object["items"] as? [[String: Any]])
        #expect(pipelines.contains { $0["name"] as? String == CheckoutSaga.name })
        #expect(try await shop.call("POST", "/admin/pipelines/nope/runs", token: admin).status == 404)
        #expect(try await shop.call("POST", "/admin/pipelines/\(CheckoutSaga.name)/runs", token: admin).status == 422)

        // A checkout run shows up with its steps and history.
        let shopper = try await shop.shopper()
        var headers = HTTPHeaders()
        headers.set("Idempotency-Key", "admin-view")
        let placed = try await shop.call("POST", "/api/orders", json: #"{"items":[{"productId":"p1","quantity":1}]}"#, token: shopper.token, headers: headers)
        let orderId = try #require(placed.object["orderId"] as? String)
        let runId = CheckoutSaga.runID(for: orderId)
        try await eventually("checkout finished") { shop.core.sagas.run(runId)?.state == .succeeded }
        let run = try await shop.call("GET", "/admin/runs/\(runId)", token: admin).object
        #expect(run["runId"] as? String == runId)
        #expect(run["pipeline"] as? String == CheckoutSaga.name)
        #expect(run["state"] as? String == "succeeded")
        let steps = try #require(run["steps"] as? [[String: Any]])
        #expect(steps.map { $0["name"] as? String } == ["open-order", "reserve-stock", "authorize-payment", "confirm", "publish-confirmation"])
        #expect(steps.allSatisfy { $0["state"] as? String == "succeeded" && $0["attempts"] as? Int == 1 })
        #expect((run["history"] as? [Any])?.isEmpty == false)
        #expect(run["startedAt"] is String && run["endedAt"] is String)
        let listed = try await shop.call("GET", "/admin/runs?pipeline=\(CheckoutSaga.name)&state=succeeded", token: admin).object["items"] as? [[String: Any]]
        #expect(listed?.map { $0["runId"] as? String } == [runId])
        #expect(try await shop.call("GET", "/admin/runs?state=sleepy", token: admin).status == 422)
        #expect(try await shop.call("GET", "/admin/runs/nope", token: admin).status == 404)

        #expect((try await shop.call("GET", "/admin/schedules", token: admin).object["items"] as? [Any]) != nil)
        #expect(try await shop.call("PUT", "/admin/schedules/nope", json: #"{"enabled":false}"#, token: admin).status == 404)
        #expect(try await shop.call("PUT", "/admin/schedules/nope", json: "{}", token: admin).status == 422)

        let actions = shop.core.audit.entries().map(\.action)
        #expect(actions.contains("queue.redrive") && actions.contains("queue.purge"))
    }

    @Test func apiKeysAreCreatedCheckedAndListedWithoutTheirSecret() async throws {
        let shop = try await TestShop.start()
        defer { Task { await shop.stop() } }
        let admin = shop.adminToken
        let created = try await shop.call("POST", "/admin/api-keys", json: #"{"name":"partner","rate":5,"burst":10,"dailyQuota":1000}"#, token: admin)
        #expect(created.status == 201)
        let secret = try #require(created.object["key"] as? String)
        #expect(secret.hasPrefix("sdk_"))
        let listed = try #require(try await shop.call("GET", "/admin/api-keys", token: admin).object["items"] as? [[String: Any]])
        #expect(listed.count == 1)
        #expect(listed[0]["name"] as? String == "partner" && listed[0]["rate"] as? Int == 5 && listed[0]["dailyQuota"] as? Int == 1000)
        #expect(listed[0]["key"] == nil, "the secret is shown once, at creation")
        for bad in [#"{"name":"","rate":5,"burst":10}"#, #"{"name":"x","rate":0,"burst":10}"#, #"{"name":"x","rate":5,"burst":0}"#,
                    #"{"name":"x","rate":5,"burst":1,"dailyQuota":0}"#, #"{"name":"x"}"#] {
            let response = try await shop.call("POST", "/admin/api-keys", json: bad, token: admin)
            #expect(response.status == 422, "\(bad): \(response.text)")
        }
        // Keys survive a restart (only their hashes are stored).
        await shop.stop(removingData: false)
        let reopened = try await TestShop.start(directory: shop.directory)
        defer { Task { await reopened.stop() } }
        var headers = HTTPHeaders()
        headers.set("x-api-key", secret)
        #expect(try await reopened.call("GET", "/api/drops", headers: headers).status == 200)
    }

    @Test func aRestockIsAuditedAndSeenPastTheEdgeCache() async throws {
        let shop = try await TestShop.start()
        defer { Task { await shop.stop() } }
        #expect(try await shop.call("GET", "/api/products/p4").status == 200)  // now cached
        let restocked = try await shop.call("PUT", "/admin/products/p4/stock", json: #"{"stock":123}"#, token: shop.adminToken)
        #expect(restocked.status == 200)
        #expect(restocked.object["stock"] as? Int == 123)
        #expect(try await shop.call("GET", "/api/products/p4").object["stock"] as? Int == 123)
        #expect(try await shop.call("PUT", "/admin/products/p4/stock", json: #"{"stock":-1}"#, token: shop.adminToken).status == 422)
        #expect(try await shop.call("PUT", "/admin/products/nope/stock", json: #"{"stock":1}"#, token: shop.adminToken).status == 404)
        let audit = try await shop.call("GET", "/admin/audit", token: shop.adminToken).object
        #expect(audit["verified"] as? Bool == true)
        let items = try #require(audit["items"] as? [[String: Any]])
        let restock = try #require(items.last { $0["action"] as? String == "product.restock" })
        #expect(restock["actor"] as? String == "admin")
        #expect((restock["detail"] as? String)?.contains("123") == true)
        #expect((restock["hash"] as? String)?.count == 64)
        let seq = try #require(restock["seq"] as? Int)
        let since = try #require(try await shop.call("GET", "/admin/audit?since=\(seq - 1)", token: shop.adminToken).object["items"] as? [[String: Any]])
        #expect(since.first?["seq"] as? Int == seq)
        #expect(try await shop.call("GET", "/admin/audit?since=yesterday", token: shop.adminToken).status == 422)
    }

    @Test func anAlteredAuditEntryIsDetectedWhenTheTrailIsOpened() async throws {
        let shop = try await TestShop.start()
        for stock in [7, 8] {
            #expect(try await shop.call("PUT", "/admin/products/p1/stock", json: #"{"stock":\#(stock)}"#, token: shop.adminToken).status == 200)
        }
        let altered = try #require(shop.core.audit.entries().first { $0.detail.hasSuffix("stock set to 7") })
        await shop.stop(removingData: false)
        // Rewrite the entry's detail and fix the record's checksum, as someone editing the file on purpose would.
        #expect(try JournalFileEditor.replace(in: shop.directory + "/audit", Array("stock set to 7".utf8), with: Array("stock set to 9".utf8)))

        let reopened = try await TestShop.start(directory: shop.directory)
        defer { Task { await reopened.stop() } }
        #expect(reopened.core.audit.brokenAt == altered.seq)
        let audit = try await reopened.call("GET", "/admin/audit", token: reopened.adminToken).object
        #expect(audit["verified"] as? Bool == false)
        let status = try await reopened.call("GET", "/status").object
        let findings = status["findings"] as? [[String: Any]] ?? []
        #expect(findings.contains { $0["severity"] as? String == "critical" && ($0["message"] as? String)?.contains("audit") == true })
        #expect(status["status"] as? String == "degraded")
    }
}

/// Edits a record inside journal segment files and recomputes its CRC-32C (format: Sources/Journal/RecordFormat.swift).
enum JournalFileEditor {
    static func replace(in directory: String, _ needle: [UInt8], with replacement: [UInt8]) throws -> Bool {
        precondition(needle.count == replacement.count)
        for name in try FileManager.default.contentsOfDirectory(atPath: directory).sorted() {
            let path = directory + "/" + name
            var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            var offset = 16
            while offset + 16 <= bytes.count {
                let length = Int(UInt32(littleEndian: bytes[offset..<offset + 4].withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }))
                guard length > 0, offset + 16 + length <= bytes.count else { break }
                let payload = offset + 16..<offset + 16 + length
                if let start = firstIndex(of: needle, in: bytes, within: payload) {
                    bytes.replaceSubrange(start..<start + needle.count, with: replacement)
                    var crc = CRC32C.checksum(bytes[offset..<offset + 4])
                    crc = CRC32C.checksum(bytes[offset + 8..<offset + 16], continuing: crc)
                    crc = CRC32C.checksum(bytes[payload], continuing: crc)
                    withUnsafeBytes(of: crc.littleEndian) { bytes.replaceSubrange(offset + 4..<offset + 8, with: $0) }
                    try Data(bytes).write(to: URL(fileURLWithPath: path))
                    return true
                }
                offset = payload.upperBound
            }
        }
        return false
    }

    private static func firstIndex(of needle: [UInt8], in bytes: [UInt8], within range: Range<Int>) -> Int? {
        guard range.count >= needle.count else { return nil }
        return (range.lowerBound...(range.upperBound - needle.count)).first { bytes[$0..<$0 + needle.count].elementsEqual(needle) }
    }
}
