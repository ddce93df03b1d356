import Addressing
import Testing
@testable import HTTP

@Suite struct RouterTests {
    func router() -> Router {
        var router = Router()
        let ok = RouteHandler.immediate { _, _ in .text("") }
        router.get("/api/products", ok)
        router.get("/api/products/{id}", ok)
        router.get("/api/products/{id}/similar", ok)
        router.get("/api/products/top", ok)
        router.delete("/admin/waf/blocks/{cidr}", ok)
        router.post("/api/drops/{id}/entries", ok)
        router.get("/api/drops/{id}/entries/{entryId}", ok)
        router.get("/", ok)
        return router
    }

    func found(_ match: RouteMatch) -> (String, [String: String])? {
        if case .found(let route, let parameters) = match { return (route.pattern, parameters) }
        return nil
    }

    @Test func matchesLiteralsAndParameters() throws {
        let router = router()
        #expect(found(router.match(method: "GET", path: "/api/products"))?.0 == "/api/products")
        let product = try #require(found(router.match(method: "GET", path: "/api/products/p-17")))
        #expect(product.0 == "/api/products/{id}")
        #expect(product.1 == ["id": "p-17"])
        #expect(found(router.match(method: "GET", path: "/api/products/p-17/similar"))?.1 == ["id": "p-17"])
        #expect(found(router.match(method: "GET", path: "/api/products/top"))?.0 == "/api/products/top")
        #expect(found(router.match(method: "GET", path: "/api/drops/d1/entries/e9"))?.1 == ["id": "d1", "entryId": "e9"])
        #expect(found(router.match(method: "GET", path: "/"))?.0 == "/")
    }

    @Test func parametersArePercentDecodedAfterSplitting() {
        let router = router()
        #expect(found(router.match(method: "DELETE", path: "/admin/waf/blocks/10.0.0.0%2F8"))?.1 == ["cidr": "10.0.0.0/8"])
        #expect(found(router.match(method: "DELETE", path: "/admin/waf/blocks/10.0.0.0/8")) == nil)
        if case .malformedPath = router.match(method: "DELETE", path: "/admin/waf/blocks/%G1") {} else { Issue.record("expected malformedPath") }
    }

    @Test func unknownPathsAndMethods() {
        let router = router()
        if case .notFound = router.match(method: "GET", path: "/api/nothing") {} else { Issue.record("expected notFound") }
        if case .notFound = router.match(method: "GET", path: "/api/products/") {} else { Issue.record("empty segment is no id") }
        if case .methodNotAllowed(let allow) = router.match(method: "PUT", path: "/api/products/x") {
            #expect(allow == ["GET", "HEAD"])
        } else {
            Issue.record("expected methodNotAllowed")
        }
        #expect(found(router.match(method: "HEAD", path: "/api/products/x"))?.0 == "/api/products/{id}")
    }

    @Test func copiesAreIndependent() {
        var first = Router()
        first.get("/a", .immediate { _, _ in .text("") })
        var second = first
        second.get("/b", .immediate { _, _ in .text("") })
        if case .notFound = first.match(method: "GET", path: "/b") {} else { Issue.record("copy leaked a route") }
        #expect(second.routes.map(\.index) == [0, 1])
    }
}

@Suite struct AddressTests {
    @Test func parsesAndPrintsIPv4AndIPv6() throws {
        #expect(IPAddress("192.168.1.20")?.description == "192.168.1.20")
        #expect(IPAddress("256.1.1.1") == nil)
        #expect(IPAddress("01.2.3.4") == nil)
        #expect(IPAddress("1.2.3") == nil)
        #expect(IPAddress("2001:db8::1")?.description == "2001:db8::1")
        #expect(IPAddress("2001:0db8:0:0:1:0:0:1")?.description == "2001:db8::1:0:0:1")
        #expect(IPAddress("::")?.description == "::")
        #expect(IPAddress("::ffff:10.1.2.3") == IPAddress("10.1.2.3"))
        #expect(IPAddress("1::2::3") == nil)
        #expect(IPAddress("12345::") == nil)
        #expect(IPAddress("::1")?.isLoopback == true)
        #expect(IPAddress("127.9.9.9")?.isLoopback == true)
    }

    @Test func parsesHostAndPort() {
        #expect(SocketAddress(parsing: "127.0.0.1:8080")?.description == "127.0.0.1:8080")
        #expect(SocketAddress(parsing: "localhost:0")?.description == "127.0.0.1:0")
        #expect(SocketAddress(parsing: "[::1]:443")?.description == "[::1]:443")
        #expect(SocketAddress(parsing: "127.0.0.1:70000") == nil)
        #expect(SocketAddress(parsing: "example.com:80") == nil)
        #expect(SocketAddress(parsing: "8080") == nil)
    }

    @Test func formatsHTTPDates() {
        #expect(HTTPDate.format(epochSeconds: 784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDate.format(epochSeconds: 0) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(HTTPDate.format(epochSeconds: 1_709_164_800) == "Thu, 29 Feb 2024 00:00:00 GMT")
    }
}

@Suite struct NetworkTests {
    @Test func parsesAndMatchesCIDRBlocks() throws {
        let tenEight = try #require(IPNetwork("10.1.2.3/8"))
        #expect(tenEight.description == "10.0.0.0/8")
        #expect(tenEight.contains(IPAddress("10.255.0.1")!))
        #expect(!tenEight.contains(IPAddress("11.0.0.1")!))
        #expect(IPNetwork("192.168.1.7")?.description == "192.168.1.7/32")
        #expect(IPNetwork("0.0.0.0/0")?.contains(IPAddress("8.8.8.8")!) == true)
        let v6 = try #require(IPNetwork("2001:db8::/32"))
        #expect(v6.contains(IPAddress("2001:db8:ffff::1")!))
        #expect(!v6.contains(IPAddress("2001:db9::1")!))
        #expect(!v6.contains(IPAddress("10.0.0.1")!))
        #expect(IPNetwork("2001:db8::1/128")?.contains(IPAddress("2001:db8::1")!) == true)
        #expect(IPNetwork("::/0")?.contains(IPAddress("::1")!) == true)
        for bad in ["10.0.0.0/33", "2001:db8::/129", "nope/8", "10.0.0.0/x", "10.0.0.0/", "/8", "10.0.0.0/8/1", "10.0.0.0/+8"] {
            #expect(IPNetwork(bad) == nil, "\(bad)")
        }
    }
}
