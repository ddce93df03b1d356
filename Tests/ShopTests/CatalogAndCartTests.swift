import Foundation
import HTTP
import Testing
@testable import Shop

@Suite struct CatalogAndCartTests {
    @Test func pagingWithTheCursorVisitsEveryProductOnce() async throws {
        let shop = try await TestShop.start()
        defer { Task { await shop.stop() } }
        var seen: [String] = []
        var cursor: String?
        repeat {
            let target = "/api/products?limit=7" + (cursor.map { "&cursor=\($0)" } ?? "")
            let page = try await shop.call("GET", target).object
            let items = try #require(page["items"] as? [[String: Any]])
            #expect(items.count <= 7)
            seen += items.compactMap { $0["id"] as? String }
            cursor = page["nextCursor"] as? String
        } while cursor != nil
        #expect(seen.count == TestShop.products.count)
        #expect(Set(seen) == Set(TestShop.products.map(\.id)))
        let first = try #require((try await shop.call("GET", "/api/products").object["items"] as? [[String: Any]])?.first)
        for field in ["id", "name", "category", "price", "currency", "stock", "tags", "description"] { #expect(first[field] != nil, "\(field)") }
    }

    @Test func searchAndCategoryFilterNarrowTheList() async throws {
        let shop = try await TestShop.start()
        defer { Task { await shop.stop() } }
        let sneakers = try #require(try await shop.call("GET", "/api/products?category=sneakers&limit=100").object["items"] as? [[String: Any]])
        #expect(!sneakers.isEmpty)
        #expect(sneakers.allSatisfy { $0["category"] as? String == "sneakers" })
        #expect(sneakers.count == TestShop.products.filter { $0.category == "sneakers" }.count)
        let limited = try #require(try await shop.call("GET", "/api/products?q=limited+sneaker").object["items"] as? [[String: Any]])
        #expect(limited.contains { $0["id"] as? String == "hot-1" })
        #expect(limited.allSatisfy { product in
            let text = "\(product["name"] ?? "") \(product["category"] ?? "") \(product["tags"] ?? "") \(product["description"] ?? "")".lowercased()
            return text.contains("limited") && text.contains("sneaker")
        })
        #expect((try await shop.call("GET", "/api/products?q=zzzz-nothing").object["items"] as? [Any])?.isEmpty == true)
        for bad in ["limit=0", "limit=101", "limit=ten", "q=" + String(repeating: "a", count: 201)] {
            #expect(try await shop.call("GET", "/api/products?\(bad)").status == 422, "\(bad)")
        }
        let badCursor = try await shop.call("GET", "/api/products?cursor=bm90LWEtY3Vyc29y")
        #expect(badCursor.status == 400, "\(badCursor.text)")
        let missing = try await shop.call("GET", "/api/products/nope")
        #expect(missing.status == 404)
        #expect(missing.errorCode == "not_found")
    }

    @Test func theCartAddsMergesRemovesAndEmpties() async throws {
        let shop = try await TestShop.start()
        defer { Task { await shop.stop() } }
        let token = try await shop.signedInUser()
        _ = try await shop.call("POST", "/api/cart/items", json: #"{"productId":"p1","quantity":2}"#, token: token)
        _ = try await shop.call("POST", "/api/cart/items", json: #"{"productId":"p2","quantity":1}"#, token: token)
        let merged = try await shop.call("POST", "/api/cart/items", json: #"{"productId":"p1","quantity":3}"#, token: token).object
        let lines = try #require(merged["items"] as? [[String: Any]])
        #expect(lines.map { $0["productId"] as? String } == ["p1", "p2"])
        #expect(lines.first?["quantity"] as? Int == 5)
        let p1 = try await shop.core.catalog.product("p1").price, p2 = try await shop.core.catalog.product("p2").price
        #expect(merged["total"] as? Int == 5 * p1 + p2)
        #expect(try await shop.call("POST", "/api/cart/items", json: #"{"productId":"p1","quantity":6}"#, token: token).status == 422)
        let removed = try await shop.call("DELETE", "/api/cart/items/p1", token: token).object
        #expect((removed["items"] as? [[String: Any]])?.map { $0["productId"] as? String } == ["p2"])
        #expect(try await shop.call("DELETE", "/api/cart", token: token).status == 204)
        #expect((try await shop.call("GET", "/api/cart", token: token).object["items"] as? [Any])?.isEmpty == true)
        #expect(try await shop.call("POST", "/api/cart/items", json: #"{"productId":"p1","quantity":1}"#).status == 401)
    }

    @Test func errorsFollowTheContract() async throws {
        let shop = try await TestShop.start()
        defer { Task { await shop.stop() } }
        let missing = try await shop.call("GET", "/api/nowhere")
        #expect(missing.status == 404)
        let error = try #require(missing.object["error"] as? [String: Any])
        #expect(error["requestId"] as? String == missing.headers["X-Request-Id"])
        #expect(error["message"] is String)
        let wrongMethod = try await shop.call("PUT", "/api/orders")
        #expect(wrongMethod.status == 405)
        #expect(wrongMethod.headers["Allow"]?.contains("POST") == true)
        var plain = HTTPHeaders()
        plain.set("Content-Type", "text/plain")
        let request = HTTPClientRequest(method: "POST", target: "/api/users", headers: plain, body: Array("email=a".utf8))
        #expect(try await shop.client.send(request, to: shop.address).status == 415)
        #expect(try await shop.call("POST", "/api/users", json: "{").status == 400)
        let huge = HTTPClientRequest(method: "POST", target: "/api/users", headers: plain, body: [UInt8](repeating: 0x61, count: 2 << 20))
        #expect(try await shop.client.send(huge, to: shop.address).status == 413)
        let taken = try await shop.call("POST", "/api/users", json: #"{"email":"same@example.com","password":"correct-horse-42"}"#)
        #expect(taken.status == 201)
        let again = try await shop.call("POST", "/api/users", json: #"{"email":"same@example.com","password":"correct-horse-42"}"#)
        #expect(again.status == 409)
    }
}
