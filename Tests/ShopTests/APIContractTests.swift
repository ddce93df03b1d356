import Foundation
import HTTP
import Testing
@testable import Shop
@testable import ShopHTTP

/// Issue 16, finding 6: what the API promised and did not do.
@Suite struct APIContractTests {
    private func order(_ shop: TestShop, _ token: String, key: String, json: String) async throws -> HTTPClientResponse {
        var headers = HTTPHeaders()
        headers.set("Idempotency-Key", key)
        return try await shop.call("POST", "/api/orders", json: json, token: token, headers: headers)
    }

    /// Found: a replayed cart checkout (`{}`, same key) answered 422 "the cart is empty" — the very retry an
    /// idempotency key is for.
    @Test func aReplayedCartCheckoutAnswersTheOriginalOrderWhateverTheCartHoldsNow() async throws {
        let shop = try await TestShop.start()
        defer { Task { await shop.stop() } }
        let token = try await shop.signedInUser()
        #expect(try await shop.call("POST", "/api/cart/items", json: #"{"productId":"p1","quantity":2}"#, token: token).status == 200)
        let placed = try await order(shop, token, key: "checkout-1", json: "{}")
        #expect(placed.status == 202, "\(placed.text)")
        let orderId = try #require(placed.object["orderId"] as? String)
        // The cart is empty now (checkout cleared it): the replay still answers the original order.
        let replay = try await order(shop, token, key: "checkout-1", json: "{}")
        #expect(replay.status == 202, "\(replay.text)")
        #expect(replay.object["orderId"] as? String == orderId)
        // Also after the cart has filled again with something else.
        #expect(try await shop.call("POST", "/api/cart/items", json: #"{"productId":"p2","quantity":1}"#, token: token).status == 200)
        #expect(try await order(shop, token, key: "checkout-1", json: "{}").object["orderId"] as? String == orderId)
        // The same key with another request is refused.
        let other = try await order(shop, token, key: "checkout-1", json: #"{"items":[{"productId":"p2","quantity":1}]}"#)
        #expect(other.status == 422, "\(other.text)")
        // Explicit items replay the same way.
        let explicit = try await order(shop, token, key: "items-1", json: #"{"items":[{"productId":"p3","quantity":1},{"productId":"p3","quantity":1}]}"#)
        let again = try await order(shop, token, key: "items-1", json: #"{"items":[{"productId":"p3","quantity":2}]}"#)
        #expect(explicit.status == 202 && again.object["orderId"] as? String == explicit.object["orderId"] as? String)
    }

    /// Found: `GET /api/orders` returned the newest 50 with no cursor and ignored `limit`.
    @Test func ordersArePagedNewestFirstWithLimitAndCursor() async throws {
        let shop = try await TestShop.start()
        defer { Task { await shop.stop() } }
        let token = try await shop.signedInUser()
        var placed: [String] = []
        for index in 0..<7 {
            shop.clock.advance(by: 1)
            let response = try await order(shop, token, key: "k\(index)", json: #"{"items":[{"productId":"p1","quantity":1}]}"#)
            placed.append(try #require(response.object["orderId"] as? String))
        }
        var seen: [String] = []
        var cursor: String?
        var pages = 0
        repeat {
            let target = "/api/orders?limit=3" + (cursor.map { "&cursor=\($0)" } ?? "")
            let page = try await shop.call("GET", target, token: token)
            #expect(page.status == 200, "\(page.text)")
            let items = try #require(page.object["items"] as? [[String: Any]])
            #expect(items.count <= 3)
            seen += items.compactMap { $0["orderId"] as? String }
            #expect(page.object.keys.contains("nextCursor"))
            cursor = page.object["nextCursor"] as? String
            pages += 1
        } while cursor != nil && pages < 10
        #expect(seen == placed.reversed())
        #expect(pages == 3)
        for (query, expected) in [("limit=0", 422), ("limit=101", 422), ("limit=1.5", 422), ("limit=ten", 422), ("cursor=@@@", 400)] {
            let refused = try await shop.call("GET", "/api/orders?\(query)", token: token)
            #expect(refused.status == expected, "\(query): \(refused.text)")
            if expected == 422, query.hasPrefix("limit=1.") || query.hasPrefix("limit=t") {
                #expect(refused.text.contains("limit must be a whole number"))
            }
        }
    }

    /// Found: `quantity: 1.5` answered 400 "not valid JSON"; the JSON is valid, the field is not.
    @Test(arguments: [("/api/cart/items", #"{"productId":"p1","quantity":1.5}"#, "quantity"),
                      ("/api/orders", #"{"items":[{"productId":"p1","quantity":1.5}]}"#, "items[0].quantity"),
                      ("/api/cart/items", #"{"productId":"p1","quantity":1e400}"#, "quantity"),
                      ("/api/cart/items", #"{"productId":"p1","quantity":99999999999999999999999}"#, "quantity")])
    func aNumberThatIsNotAnIntegerIs422NamingTheField(_ path: String, _ body: String, _ field: String) async throws {
        let shop = try await TestShop.start()
        defer { Task { await shop.stop() } }
        let token = try await shop.signedInUser()
        var headers = HTTPHeaders()
        headers.set("Idempotency-Key", "fraction")
        let response = try await shop.call("POST", path, json: body, token: token, headers: headers)
        #expect(response.status == 422, "\(body): \(response.text)")
        #expect(response.text.contains(field), "\(response.text)")
    }

    /// Found: with a repeated parameter the first won; which one a proxy in front reads is anyone's guess.
    @Test func aRepeatedQueryParameterIs422() async throws {
        let shop = try await TestShop.start()
        defer { Task { await shop.stop() } }
        let products = try await shop.call("GET", "/api/products?limit=1&limit=50")
        #expect(products.status == 422, "\(products.text)")
        #expect(products.text.contains("limit"))
        #expect(try await shop.call("GET", "/api/products?q=a&q%3D=b").status == 200)  // "q=" is another name
        #expect(try await shop.call("GET", "/api/products?q=a&%71=b").status == 422)  // %71 is q
        let audit = try await shop.call("GET", "/admin/audit?since=1&since=2", token: shop.adminToken)
        #expect(audit.status == 422, "\(audit.text)")
    }
}

@Suite struct JSONNumbersTests {
    @Test func findsTheFieldsHoldingNumbersThatAreNotWholeIntegers() {
        #expect(JSONNumbers.notWholeNumbers(in: Array(#"{"a":1,"b":{"c":[1,2.5,{"d":-3e2}]},"e":"1.5","f":99999999999999999999}"#.utf8))
                == ["b.c[1]", "b.c[2].d", "f"])
        #expect(JSONNumbers.notWholeNumbers(in: Array(#"{"a":-9223372036854775808,"b":9223372036854775807}"#.utf8)).isEmpty)
        // Bounded on hostile input: depth and findings.
        #expect(JSONNumbers.notWholeNumbers(in: Array((String(repeating: "[", count: 10_000) + "1.5").utf8)).isEmpty)
        #expect(JSONNumbers.notWholeNumbers(in: Array(("[" + String(repeating: "1.5,", count: 10_000) + "1]").utf8)).count == JSONNumbers.maximumFound)
    }
}
