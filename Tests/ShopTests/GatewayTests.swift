import Addressing
import Foundation
import HTTP
import Synchronization
import Testing
@testable import Shop
@testable import ShopHTTP

@Suite struct GatewayTests {
    @Test(arguments: [("Bearer abc.def", "abc.def"), ("bearer   abc.def \t", "abc.def"), ("BEARER abc", "abc"), ("Bearer ", nil),
                      ("Bearer  \t ", nil), ("Basic abc", nil), ("Bearerabc", nil), ("Bearer a b", "a b"),
                      ("Bearer abc\u{00A0}", "abc")] as [(String, String?)])
    func theBearerTokenIsTheHeaderAfterItsSchemeTrimmed(header: String, token: String?) {
        #expect(HTTPRequest(method: "GET", target: "/", headers: ["Authorization": header]).bearerToken == token)
    }

    func createKey(_ shop: TestShop, _ json: String) async throws -> String {
        let created = try await shop.call("POST", "/admin/api-keys", json: json, token: shop.adminToken)
        #expect(created.status == 201, "\(created.text)")
        return try #require(created.object["key"] as? String)
    }

    func get(_ shop: TestShop, _ target: String, key: String? = nil, from source: IPAddress? = nil) async throws -> HTTPClientResponse {
        var headers = HTTPHeaders()
        if let key { headers.set("x-api-key", key) }
        return try await shop.call("GET", target, headers: headers, from: source)
    }

    @Test func aKeyOverItsRateGets429WithRetryAfterAndOtherKeysAreUnaffected() async throws {
        let shop = try await TestShop.start()
        defer { Task { await shop.stop() } }
        let greedy = try await createKey(shop, #"{"name":"greedy","rate":1,"burst":3}"#)
        let polite = try await createKey(shop, #"{"name":"polite","rate":1,"burst":3}"#)
        for _ in 0..<3 { #expect(try await get(shop, "/api/drops", key: greedy).status == 200) }
        let refused = try await get(shop, "/api/drops", key: greedy)
        #expect(refused.status == 429)
        #expect(refused.errorCode == "throttled")
        #expect(refused.headers["Retry-After"] == "1")
        #expect(try await get(shop, "/api/drops", key: polite).status == 200)
        #expect(try await get(shop, "/api/drops").status == 200)  // anonymous, per IP
        shop.clock.advance(by: 1)
        #expect(try await get(shop, "/api/drops", key: greedy).status == 200)
        #expect(try await get(shop, "/api/drops", key: greedy).status == 429)
        #expect(try await get(shop, "/api/drops", key: "sdk_not-a-key").errorCode == "invalid_api_key")
    }

    @Test func theDailyQuotaRunsOutAndResetsAtMidnightUTC() async throws {
        let shop = try await TestShop.start()
        defer { Task { await shop.stop() } }
        let key = try await createKey(shop, #"{"name":"partner","rate":1000,"burst":1000,"dailyQuota":5}"#)
        for _ in 0..<5 { #expect(try await get(shop, "/api/drops", key: key).status == 200) }
        let refused = try await get(shop, "/api/drops", key: key)
        #expect(refused.status == 429)
        let retryAfter = try #require(refused.headers["Retry-After"].flatMap { Int($0) })
        #expect(retryAfter == 24 * 3600)  // the manual clock starts at midnight UTC
        shop.clock.advance(by: 23 * 3600)
        #expect(try await get(shop, "/api/drops", key: key).status == 429)
        shop.clock.advance(by: 3600)
        #expect(try await get(shop, "/api/drops", key: key).status == 200)
    }

    @Test func anonymousClientsAreThrottledPerIP() async throws {
        let shop = try await TestShop.start()
        defer { Task { await shop.stop() } }
        let first = IPAddress("127.0.5.1"), second = IPAddress("127.0.5.2")
        for _ in 0..<40 { #expect(try await get(shop, "/api/drops", from: first).status == 200) }
        #expect(try await get(shop, "/api/drops", from: first).status == 429)
        #expect(try await get(shop, "/api/drops", from: second).status == 200)
        shop.clock.advance(by: 0.1)  // 20/s: two tokens back
        #expect(try await get(shop, "/api/drops", from: first).status == 200)
    }

    @Test func aHundredConcurrentMissesForOneProductMakeOneOriginRead() async throws {
        let shop = try await TestShop.start()
        defer { Task { await shop.stop() } }
        let key = try await createKey(shop, #"{"name":"load","rate":10000,"burst":10000}"#)
        let before = shop.edge.gateway.cache.stats.originCalls
        let answers = try await withThrowingTaskGroup(of: HTTPClientResponse.self) { group in
            for _ in 0..<100 { group.addTask { try await get(shop, "/api/products/p7", key: key) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(shop.edge.gateway.cache.stats.originCalls - before == 1)
        #expect(answers.allSatisfy { $0.status == 200 && $0.body == answers[0].body })
        #expect(answers.contains { $0.headers["X-Cache"] == "MISS" })
        #expect(answers[0].object["id"] as? String == "p7")
        // After the TTL the next read goes to the origin again.
        shop.clock.advance(by: 2)
        #expect(try await get(shop, "/api/products/p7", key: key).headers["X-Cache"] == "MISS")
        #expect(try await get(shop, "/api/products/p7", key: key).headers["X-Cache"] == "HIT")
        #expect(shop.edge.gateway.cache.stats.originCalls - before == 2)
    }

    @Test func theCacheCallsTheOriginOnceForConcurrentMissesAndServesStaleWhenItFails() async throws {
        let cache = EdgeCache(ttl: 2, staleLimit: 60)
        let calls = CallCounter()
        let gate = AsyncGate()
        let answer = CachedAnswer(status: 200, body: Array(#"{"v":1}"#.utf8))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<100 {
                group.addTask {
                    let (got, stale) = try await cache.answer("/p", now: 10) { () throws(HTTPError) in
                        calls.increment()
                        await gate.wait()
                        return answer
                    }
                    #expect(got.body == answer.body && !stale)
                }
            }
            // Everyone is waiting on the single origin call before it is allowed to finish.
            try await eventually("all callers waiting") { cache.stats.originCalls == 1 && calls.value == 1 }
            await gate.open()
            try await group.waitForAll()
        }
        #expect(calls.value == 1)
        #expect(cache.fresh("/p", now: 11.9)?.body == answer.body)
        #expect(cache.fresh("/p", now: 12) == nil)
        let (stale, wasStale) = try await cache.answer("/p", now: 30) { () throws(HTTPError) in throw HTTPError(status: 503, code: "overloaded", message: "down") }
        #expect(wasStale && stale.body == answer.body)
        await #expect(throws: HTTPError.self) {
            _ = try await cache.answer("/p", now: 100) { () throws(HTTPError) in throw HTTPError(status: 503, code: "overloaded", message: "down") }
        }
    }

    @Test func answersPastTheStaleLimitAreSweptOutByALaterMiss() async throws {
        let cache = EdgeCache(ttl: 2, staleLimit: 60)
        let answer = CachedAnswer(status: 200, body: Array(#"{"v":1}"#.utf8))
        for index in 0..<100 {
            _ = try await cache.answer("/old/\(index)", now: 10) { () throws(HTTPError) in answer }
        }
        _ = try await cache.answer("/recent", now: 50) { () throws(HTTPError) in answer }
        #expect(cache.stats.entries == 101)
        // Past the old answers' stale limit, the next miss sweeps them; the recent one can still be served stale.
        _ = try await cache.answer("/new", now: 71) { () throws(HTTPError) in answer }
        #expect(cache.stats.entries == 2)
        let (stale, wasStale) = try await cache.answer("/recent", now: 72) { () throws(HTTPError) in throw HTTPError(status: 503, code: "overloaded", message: "down") }
        #expect(wasStale && stale.body == answer.body)
    }

    @Test func forwardedForIsHonouredOnlyFromATrustedProxy() {
        let resolver = ClientAddressResolver(trustedProxies: [IPNetwork("10.0.0.0/8")!])
        let proxy = IPAddress("10.1.2.3")!, stranger = IPAddress("203.0.113.9")!
        #expect(resolver.clientIP(peer: proxy, forwardedFor: "198.51.100.7, 10.0.0.5") == IPAddress("198.51.100.7"))
        #expect(resolver.clientIP(peer: stranger, forwardedFor: "198.51.100.7") == stranger)
        #expect(resolver.clientIP(peer: proxy, forwardedFor: "not an address") == proxy)
        #expect(ClientAddressResolver(trustedProxies: []).clientIP(peer: proxy, forwardedFor: "198.51.100.7") == proxy)
    }
}

/// Counts calls from many tasks.
final class CallCounter: Sendable {
    private let count = Atomic<Int>(0)

    func increment() { count.add(1, ordering: .relaxed) }

    var value: Int { count.load(ordering: .relaxed) }
}

/// A one-shot gate tasks can wait on until a test opens it.
actor AsyncGate {
    private var isOpen = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func wait() async {
        if isOpen { return }
        await withCheckedContinuation { waiters.append($0) }
    }

    func open() {
        isOpen = true
        for waiter in waiters { waiter.resume() }
        waiters.removeAll()
    }
}

/// The gateway's answers for what the WAF cannot inspect (issue 16, finding 3), over HTTP.
@Suite struct OversizeOverHTTPTests {
    @Test func aBodyPastTheInspectionLimitIs413AndNeverReachesTheHandler() async throws {
        let shop = try await TestShop.start()
        defer { Task { await shop.stop() } }
        let token = try await shop.signedInUser()
        let padding = String(repeating: "a", count: 70 * 1024)
        let response = try await shop.call("POST", "/api/cart/items", json: #"{"pad":"\#(padding)","productId":"p1","quantity":1}"#, token: token)
        #expect(response.status == 413, "\(response.text)")
        #expect(response.errorCode == "blocked")
        #expect((response.object["error"] as? [String: Any])?["rule"] as? String == "oversize")
        let cart = try await shop.call("GET", "/api/cart", token: token)
        #expect((cart.object["items"] as? [Any])?.isEmpty == true, "\(cart.text)")
    }

    @Test func tooManyQueryParametersAre400() async throws {
        let shop = try await TestShop.start()
        defer { Task { await shop.stop() } }
        let query = (1..<500).map { "p\($0)=x" }.joined(separator: "&") + "&q=%3Cscript%3E"
        let response = try await shop.call("GET", "/api/products?" + query)
        #expect(response.status == 400, "\(response.text)")
        #expect((response.object["error"] as? [String: Any])?["rule"] as? String == "oversize")
    }

    @Test func jsonInUTF16Is415FromTheWAFAndFromTheHandlerWhenTheRuleIsOff() async throws {
        let shop = try await TestShop.start()
        defer { Task { await shop.stop() } }
        let token = try await shop.signedInUser()
        let body = Array(#"{"productId":"p1","quantity":1}"#.data(using: .utf16LittleEndian)!)
        var headers = HTTPHeaders()
        headers.set("Authorization", "Bearer \(token)")
        headers.set("Content-Type", "application/json")
        let request = HTTPClientRequest(method: "POST", target: "/api/cart/items", headers: headers, body: body)
        let blocked = try await shop.client.send(request, to: shop.address)
        #expect(blocked.status == 415, "\(blocked.text)")
        #expect((blocked.object["error"] as? [String: Any])?["rule"] as? String == "oversize")
        try shop.core.waf.setAction(.off, forRule: "oversize")
        let refused = try await shop.client.send(request, to: shop.address)
        #expect(refused.status == 415, "\(refused.text)")
        #expect(refused.errorCode == "unsupported_media_type")
    }
}
