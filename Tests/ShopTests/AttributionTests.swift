import Addressing
import Foundation
import HTTP
import Testing
@testable import Shop

/// What the recommendations earn, through the public API: a shopper shown a recommendation who buys it within
/// the window counts for the model version that showed it; one who buys something else does not.
@Suite struct AttributionTests {
    func attribution(_ shop: TestShop) async throws -> [String: Any] {
        let answer = try await shop.call("GET", "/admin/recommender", token: shop.adminToken)
        #expect(answer.status == 200)
        return try #require(answer.object["attribution"] as? [String: Any])
    }

    func version(_ attribution: [String: Any], _ number: Int) -> [String: Any]? {
        (attribution["versions"] as? [[String: Any]])?.first { $0["version"] as? Int == number }
    }

    func order(_ shop: TestShop, _ shopper: Shopper, json: String, key: String) async throws {
        var headers = HTTPHeaders()
        headers.set("Idempotency-Key", key)
        let placed = try await shop.call("POST", "/api/orders", json: json, token: shopper.token, headers: headers)
        #expect(placed.status == 202, "\(placed.text)")
    }

    @Test func aShopperWhoBuysWhatWasRecommendedCountsForThatVersionAndOneWhoBuysSomethingElseDoesNot() async throws {
        let shop = try await RecommendationPipelineTests.shopWithHistory()
        defer { Task { await shop.stop() } }
        #expect(try await RecommendationPipelineTests.startupRun(shop).state == .succeeded)
        let modelVersion = try #require(shop.core.recommendations.slot.current?.version)

        // The follower is shown ten items, puts the first in the cart and orders the cart.
        let follower = try await shop.shopper()
        let shown = try await shop.call("GET", "/api/recommendations", token: follower.token).object
        #expect(shown["modelVersion"] as? Int == modelVersion)
        let items = try #require(shown["items"] as? [[String: Any]]).compactMap { $0["productId"] as? String }
        #expect(items.count == 10)
        let chosen = try #require(TestShop.products.first { $0.id == items[0] })
        #expect(try await shop.call("POST", "/api/cart/items", json: #"{"productId":"\#(chosen.id)","quantity":2}"#, token: follower.token).status == 200)

        // The other is shown ten too, and buys something that was not among them.
        let other = try await shop.shopper()
        let otherShown = try #require(try await shop.call("GET", "/api/recommendations", token: other.token).object["items"] as? [[String: Any]])
            .compactMap { $0["productId"] as? String }
        let elsewhere = try #require(TestShop.products.first { !otherShown.contains($0.id) && $0.stock > 0 })
        #expect(try await shop.call("POST", "/api/cart/items", json: #"{"productId":"\#(elsewhere.id)","quantity":1}"#, token: other.token).status == 200)

        var counted = try await attribution(shop)
        #expect(version(counted, modelVersion)?["lists"] as? Int == 2)
        #expect(version(counted, modelVersion)?["impressions"] as? Int == 20)
        #expect(version(counted, modelVersion)?["cartAdds"] as? Int == 1, "only the add of a shown item")

        try await order(shop, other, json: #"{"items":[{"productId":"\#(elsewhere.id)","quantity":1}]}"#, key: "other-1")
        try await order(shop, follower, json: "{}", key: "follower-1")
        try await eventually("both confirmed orders looked at") { try await attribution(shop)["confirmedOrders"] as? Int == 2 }
        counted = try await attribution(shop)
        let figures = try #require(version(counted, modelVersion))
        #expect(figures["orders"] as? Int == 1, "the follower's order only")
        #expect(figures["units"] as? Int == 2)
        #expect(figures["revenue"] as? Int == 2 * chosen.price)
        #expect(figures["ordersPerThousand"] as? Double == 50)
    }

    /// The figures are the store's: they survive a restart, and counts flushed are not counted again.
    @Test func theFiguresSurviveARestartAndAreNotCountedTwice() async throws {
        let directory = temporaryDataDirectory()
        let first = try await TestShop.start(directory: directory) { $0.demoHistory = RecommendationPipelineTests.smallHistory }
        _ = try await RecommendationPipelineTests.startupRun(first)
        let modelVersion = try #require(first.core.recommendations.slot.current?.version)
        let shopper = try await first.shopper()
        let items = try #require(try await first.call("GET", "/api/recommendations", token: shopper.token).object["items"] as? [[String: Any]])
        let product = try #require(items.first?["productId"] as? String)
        #expect(try await first.call("POST", "/api/cart/items", json: #"{"productId":"\#(product)","quantity":1}"#, token: shopper.token).status == 200)
        await first.stop(removingData: false)

        let shop = try await TestShop.start(directory: directory) { $0.demoHistory = RecommendationPipelineTests.smallHistory }
        defer { Task { await shop.stop() } }
        var figures = try #require(version(try await attribution(shop), modelVersion))
        #expect(figures["lists"] as? Int == 1 && figures["impressions"] as? Int == 10 && figures["cartAdds"] as? Int == 1, "\(figures)")
        let again = try await shop.shopper()
        _ = try await shop.call("GET", "/api/recommendations", token: again.token)
        shop.clock.advance(by: Recommendations.attributionFlushSeconds)
        try await eventually("the second list flushed and read back") {
            try await shop.core.store.get(Recommendations.stateTable, key: AttributionLedger.key(modelVersion))?["lists"]?.int64Value == 2
        }
        figures = try #require(version(try await attribution(shop), modelVersion))
        #expect(figures["lists"] as? Int == 2 && figures["impressions"] as? Int == 20 && figures["cartAdds"] as? Int == 1, "\(figures)")
    }

    /// An A/B split: half the shoppers, by a stable hash, stay on the version before the one in service; each
    /// shopper always sees the same side; both versions' figures are counted; 0 ends it.
    @Test func aSplitKeepsAStableShareOfShoppersOnTheEarlierVersion() async throws {
        let shop = try await RecommendationPipelineTests.shopWithHistory()
        defer { Task { await shop.stop() } }
        _ = try await RecommendationPipelineTests.startupRun(shop)
        let refused = try await shop.call("POST", "/admin/actions", json: #"{"action":"splitShoppers","percent":50}"#, token: shop.adminToken)
        #expect(refused.status == 409, "one version only: nothing to compare with")
        let rerun = try await shop.call("POST", "/admin/pipelines/recommendations/runs", json: "{}", token: shop.adminToken)
        _ = try await shop.core.sagas.waitForRun(try #require(rerun.object["runId"] as? String))
        let current = try #require(shop.core.recommendations.slot.current?.version)
        #expect(current == 2)
        #expect(try await shop.call("POST", "/admin/actions", json: #"{"action":"splitShoppers","percent":51}"#, token: shop.adminToken).status == 422)
        let split = try await shop.call("POST", "/admin/actions", json: #"{"action":"splitShoppers","percent":50}"#, token: shop.adminToken)
        #expect(split.status == 200, "\(split.text)")
        let status = try await shop.call("GET", "/admin/recommender", token: shop.adminToken).object["split"] as? [String: Any]
        #expect(status?["percent"] as? Int == 50 && status?["controlVersion"] as? Int == 1)

        var seen: [Int: Int] = [:]
        // Each from an address of its own: sign-ups are rate-limited per address.
        for index in 0..<24 {
            let shopper = try await shop.shopper(from: IPAddress("127.0.40.\(index + 1)"))
            let first = try await shop.call("GET", "/api/recommendations", token: shopper.token, from: shopper.source).object["modelVersion"] as? Int
            let second = try await shop.call("GET", "/api/recommendations", token: shopper.token, from: shopper.source).object["modelVersion"] as? Int
            #expect(first == second, "a shopper stays on one side")
            let expected = Recommendations.bucket(of: shopper.userId) < 50 ? 1 : 2
            #expect(first == expected)
            seen[first ?? 0, default: 0] += 1
        }
        #expect(seen.keys.sorted() == [1, 2], "both sides served: \(seen)")
        let figures = try await attribution(shop)
        #expect(version(figures, 1)?["lists"] as? Int == 2 * (seen[1] ?? 0))
        #expect(version(figures, 2)?["lists"] as? Int == 2 * (seen[2] ?? 0))

        #expect(try await shop.call("POST", "/admin/actions", json: #"{"action":"splitShoppers","percent":0}"#, token: shop.adminToken).status == 200)
        // Every shopper is on the version in service again, those the split kept on version 1 included.
        for index in 0..<4 {
            let shopper = try await shop.shopper(from: IPAddress("127.0.41.\(index + 1)"))
            #expect(try await shop.call("GET", "/api/recommendations", token: shopper.token, from: shopper.source).object["modelVersion"] as? Int == 2)
        }
    }

    @Test func aPurchaseAfterTheWindowIsNotCounted() async throws {
        let shop = try await RecommendationPipelineTests.shopWithHistory()
        defer { Task { await shop.stop() } }
        _ = try await RecommendationPipelineTests.startupRun(shop)
        let email = "late-\(UUID().uuidString.prefix(8))@example.com"
        let late = try await shop.shopper(email)
        let items = try #require(try await shop.call("GET", "/api/recommendations", token: late.token).object["items"] as? [[String: Any]])
        let product = try #require(items.first?["productId"] as? String)
        shop.clock.advance(by: shop.core.recommendations.attribution.windowSeconds + 1)
        // A day on, the shopper signs in again.
        let session = try await shop.call("POST", "/api/sessions", json: #"{"email":"\#(email)","password":"correct-horse-42"}"#)
        let again = Shopper(token: try #require(session.object["token"] as? String), userId: late.userId, source: nil)
        try await order(shop, again, json: #"{"items":[{"productId":"\#(product)","quantity":1}]}"#, key: "late-1")
        try await eventually("the order looked at") { try await attribution(shop)["confirmedOrders"] as? Int == 1 }
        let figures = try #require((try await attribution(shop)["versions"] as? [[String: Any]])?.first)
        #expect(figures["orders"] as? Int == 0)
    }
}

@Suite struct AttributionModelTests {
    @Test func theLatestShowingWinsARedeliveredOrderCountsOnceAndVersionsCompare() throws {
        let attribution = RecommendationAttribution(windowSeconds: 100)
        attribution.shown(userId: "u1", items: ["a", "b"], version: 1, at: 10)
        attribution.shown(userId: "u1", items: ["b"], version: 2, at: 20)
        attribution.ordered(userId: "u1", orderId: "o1", lines: [("b", 1, 500), ("z", 1, 100)], placedAt: 30)
        attribution.ordered(userId: "u1", orderId: "o1", lines: [("b", 1, 500)], placedAt: 30)
        attribution.addedToCart(userId: "u1", productId: "a", at: 15)
        attribution.addedToCart(userId: "u1", productId: "a", at: 16)
        attribution.addedToCart(userId: "u2", productId: "a", at: 16)
        let figures = Dictionary(uniqueKeysWithValues: attribution.figures().map { ($0.version, $0) })
        #expect(figures[2]?.orders == 1 && figures[2]?.revenue == 500, "b's latest showing was version 2's")
        #expect(figures[1]?.orders == 0 && figures[1]?.cartAdds == 1, "one add per showing, none for a shopper never shown it")
        #expect(attribution.confirmedOrders == 1)
        #expect(attribution.figures().map(\.version) == [2, 1])
        let comparison = try #require(attribution.comparison())
        #expect(comparison.version == 2 && comparison.previous == 1)
        #expect(comparison.ordersPerThousandDifference == 1000, "1 order in 1 item shown against 0 in 2")
        #expect(comparison.interval.contains(comparison.ordersPerThousandDifference))
    }

    @Test func memoryIsBoundedWhateverShoppersDo() {
        let attribution = RecommendationAttribution(windowSeconds: 100, maximumShoppers: 100)
        for user in 0..<1_000 { attribution.shown(userId: "u\(user)", items: (0..<80).map { "p\($0)" }, version: 1, at: Double(user)) }
        attribution.addedToCart(userId: "u0", productId: "p79", at: 1)
        attribution.addedToCart(userId: "u999", productId: "p0", at: 999)
        attribution.addedToCart(userId: "u999", productId: "p79", at: 999)
        #expect(attribution.figures().first?.cartAdds == 1, "u0 is forgotten; u999 keeps only its latest 50 items")
        #expect(attribution.figures().first?.impressions == 80_000)
    }
}
