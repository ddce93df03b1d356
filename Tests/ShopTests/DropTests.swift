import Addressing
import Foundation
import HTTP
import Testing
@testable import Shop

@Suite struct DropTests {
    struct Attempt: Sendable {
        let sentAt: UInt64
        let acknowledgedAt: UInt64
        let shopper: Shopper
        let entryId: String
    }

    func createDrop(_ shop: TestShop, stock: Int, opensAt: String? = nil) async throws -> String {
        let opens = opensAt.map { #","opensAt":"\#($0)""# } ?? ""
        let created = try await shop.call("POST", "/admin/drops", json: #"{"productId":"hot-1","stock":\#(stock)\#(opens)}"#, token: shop.adminToken)
        #expect(created.status == 201, "\(created.text)")
        return try #require(created.object["dropId"] as? String)
    }

    @Test func fiveHundredEntrantsForTwentyUnitsTheEarliestTwentyWin() async throws {
        let shop = try await TestShop.start()
        defer { Task { await shop.stop() } }
        let dropId = try await createDrop(shop, stock: 20)
        let shoppers = try await withThrowingTaskGroup(of: Shopper.self) { group in
            for index in 0..<500 {
                group.addTask { try await shop.shopper("entrant\(index)@example.com", from: IPAddress("127.0.\(10 + index / 250).\(index % 250 + 1)")) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let attempts = try await withThrowingTaskGroup(of: Attempt.self) { group in
            for shopper in shoppers {
                group.addTask {
                    let sentAt = DispatchTime.now().uptimeNanoseconds
                    let response = try await shop.call("POST", "/api/drops/\(dropId)/entries", token: shopper.token, from: shopper.source)
                    let acknowledgedAt = DispatchTime.now().uptimeNanoseconds
                    #expect(response.status == 202, "\(response.text)")
                    #expect(response.object["state"] as? String == "pending")
                    return Attempt(sentAt: sentAt, acknowledgedAt: acknowledgedAt, shopper: shopper, entryId: response.object["entryId"] as? String ?? "")
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        var outcomes: [(attempt: Attempt, position: Int, state: String)] = []
        for attempt in attempts {
            var entry: DropEntry?
            try await eventually("entry \(attempt.entryId) settled") {
                entry = try await shop.core.drops.entry(dropId: dropId, entryId: attempt.entryId)
                return entry?.state != "pending"
            }
            let response = try await shop.call("GET", "/api/drops/\(dropId)/entries/\(attempt.entryId)", from: attempt.shopper.source)
            #expect(response.status == 200)
            #expect(response.object["state"] as? String == entry?.state)
            outcomes.append((attempt, entry?.position ?? 0, entry?.state ?? ""))
        }
        #expect(outcomes.filter { $0.state == "won" }.count == 20)
        #expect(outcomes.filter { $0.state == "lost" }.count == 480)
        #expect(Set(outcomes.map(\.position)) == Set(1...500))
        #expect(outcomes.allSatisfy { ($0.position <= 20) == ($0.state == "won") })
        // No loser was acknowledged before a winner was even sent.
        let latestWinnerSend = outcomes.filter { $0.state == "won" }.map(\.attempt.sentAt).max() ?? 0
        #expect(!outcomes.contains { $0.state == "lost" && $0.attempt.acknowledgedAt < latestWinnerSend })
        // The arrival order is consistent with acknowledgement: an entry acknowledged before another was sent ranks ahead of it.
        let sorted = outcomes.sorted { $0.position < $1.position }
        for (earlier, later) in zip(sorted, sorted.dropFirst()) {
            #expect(!(later.attempt.acknowledgedAt < earlier.attempt.sentAt), "position \(later.position) was acknowledged before \(earlier.position) was sent")
        }
        let drops = try await shop.call("GET", "/api/drops").object["items"] as? [[String: Any]]
        #expect(drops?.first { $0["dropId"] as? String == dropId }?["state"] as? String == "sold-out")
        #expect(drops?.first { $0["dropId"] as? String == dropId }?["entrants"] as? Int == 500)

        // The console's flash-sale view (issue 21, problem 7): entrants, winners, the queue drained, the moment it sold out.
        let snapshot = shop.core.dashboard()
        let row = try #require(snapshot.drops?.first { $0.dropId == dropId })
        #expect(row.entered == 500 && row.numbered == 500 && row.winners == 20 && row.waiting == 0)
        #expect(row.soldOutAt != nil)
        #expect(snapshot.events.contains { $0.text.hasPrefix("drop \(dropId) (") && $0.text.hasSuffix("sold out 0.0 s after opening: 20 won, 500 entered so far") },
                "\(snapshot.events.map(\.text))")
    }

    @Test func enteringTwiceGivesTheSameEntryAndAScheduledDropRefusesEarlyEntrants() async throws {
        let shop = try await TestShop.start()
        defer { Task { await shop.stop() } }
        let shopper = try await shop.shopper()
        let dropId = try await createDrop(shop, stock: 1)
        let first = try await shop.call("POST", "/api/drops/\(dropId)/entries", token: shopper.token)
        let second = try await shop.call("POST", "/api/drops/\(dropId)/entries", token: shopper.token)
        #expect(first.object["entryId"] as? String == second.object["entryId"] as? String)
        try await eventually("entry settled") {
            try await shop.core.drops.entry(dropId: dropId, entryId: first.object["entryId"] as? String ?? "")?.state == "won"
        }
        let later = try await createDrop(shop, stock: 5, opensAt: "2026-01-01T09:00:00Z")
        let early = try await shop.call("POST", "/api/drops/\(later)/entries", token: shopper.token)
        #expect(early.status == 409)
        #expect(early.errorCode == "not_open")
        shop.clock.advance(to: Date(timeIntervalSince1970: 1_767_258_000))
        let onTime = try await shop.call("POST", "/api/drops/\(later)/entries", token: shopper.token)
        #expect(onTime.status == 202, "\(onTime.text)")

        let missing = try await shop.call("POST", "/api/drops/d-missing/entries", token: shopper.token)
        #expect(missing.status == 404, "\(missing.text)")
        #expect(try await shop.call("POST", "/api/drops/\(dropId)/entries").status == 401)
        #expect(try await shop.call("GET", "/api/drops/\(dropId)/entries/e-missing").status == 404)
        let badDrop = try await shop.call("POST", "/admin/drops", json: #"{"productId":"hot-1","stock":0}"#, token: shop.adminToken)
        #expect(badDrop.status == 422)
        let badTime = try await shop.call("POST", "/admin/drops", json: #"{"productId":"hot-1","stock":3,"opensAt":"tomorrow"}"#, token: shop.adminToken)
        #expect(badTime.status == 422)
    }

    @Test func eventsAreAcceptedAndCountedByTheAnalyticsWorker() async throws {
        let shop = try await TestShop.start()
        defer { Task { await shop.stop() } }
        for _ in 0..<3 {
            let response = try await shop.call("POST", "/api/events", json: #"{"type":"view","productId":"p2"}"#)
            #expect(response.status == 202, "\(response.text)")
        }
        #expect(try await shop.call("POST", "/api/events", json: #"{"type":"add_to_cart","productId":"p2"}"#).status == 202)
        #expect(try await shop.call("POST", "/api/events", json: #"{"type":"purchase","productId":"p2"}"#).status == 422)
        #expect(try await shop.call("POST", "/api/events", json: #"{"type":"view","productId":"nope"}"#).status == 422)
        #expect(try await shop.call("POST", "/api/events", json: #"{"type":"view"}"#).status == 422)
        #expect(try await shop.call("POST", "/api/events", json: "not json").status == 400)
        try await eventually("analytics counted the events") {
            let stats = try await shop.core.productStats("p2")
            return stats.views == 3 && stats.addToCart == 1
        }
    }
}
