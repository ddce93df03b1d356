import Testing
@testable import WAF

private func labels(_ view: RequestView) -> [String: String] {
    var result: [String: String] = [:]
    for field in view.fields { result[field.label + (field.location == .queryName || field.location == .bodyName ? "#" + String(decoding: field.value, as: UTF8.self) : "")] = String(decoding: field.value, as: UTF8.self) }
    return result
}

@Suite struct RequestViewTests {
    @Test func pathQueryAndSelectedHeadersBecomeDecodedFields() {
        let view = RequestView(method: "GET", target: "/api/products/p%2541?q=%2527+OR+1%3D1&limit=5",
                               headers: [("User-Agent", "curl/8"), ("Accept", "*/*"), ("Authorization", "Bearer secret"),
                                         ("X-Custom", "%3Cscript%3E"), ("x-api-key", "sdk_x"),
                                         ("Referer", "https://shop.example/search?q=%3Cimg+src%3Dx%3E"), ("Cookie", "session=abc; theme=%27dark")],
                               body: [])
        let fields = labels(view)
        #expect(fields["path"] == "/api/products/pA")
        #expect(fields["query:q"] == "' OR 1=1")
        #expect(fields["query:limit"] == "5")
        #expect(fields["query-name#q"] == "q")
        #expect(fields["header:User-Agent"] == "curl/8")
        #expect(fields["header:X-Custom"] == "<script>")
        #expect(fields["header:Referer.q"] == "<img src=x>")
        #expect(fields["cookie:theme"] == "'dark")
        #expect(fields["cookie:session"] == "abc")
        #expect(!view.fields.contains { $0.name == "Accept" || $0.name == "Authorization" || $0.name == "x-api-key" })
    }

    @Test func everyStringOfAJSONBodyIsAFieldWithItsPath() {
        let body = Array(#"{"email":"a@b.c","items":[{"productId":"p1","note":"\u003cscript\u003e"},{"productId":"x\"y"}],"n":12.5,"ok":true,"none":null}"#.utf8)
        let view = RequestView(method: "POST", target: "/api/orders", headers: [("Content-Type", "application/json")], body: body)
        let values = view.fields.filter { $0.location == .body }.map { "\($0.name)=\(String(decoding: $0.value, as: UTF8.self))" }
        #expect(values == ["email=a@b.c", "items[0].productId=p1", "items[0].note=<script>", "items[1].productId=x\"y"])
        #expect(view.fields.contains { $0.location == .bodyName && String(decoding: $0.value, as: UTF8.self) == "note" })
    }

    @Test func aBodyThatIsNotJSONIsInspectedAsText() {
        let view = RequestView(method: "POST", target: "/api/events", headers: [("Content-Type", "application/json")], body: Array("{\"a\": nope'--".utf8))
        #expect(view.fields.last?.location == .body)
        #expect(view.fields.last?.value == Array("{\"a\": nope'--".utf8))
    }

    @Test func formAndMultipartBodiesAreSplitIntoFields() {
        let form = RequestView(method: "POST", target: "/login", headers: [("Content-Type", "application/x-www-form-urlencoded")],
                               body: Array("user=admin%27--&pass=x".utf8))
        #expect(labels(form)["body:user"] == "admin'--")
        let multipart = "--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\n<svg onload=alert(1)>\r\n--XyZ\r\n"
            + "Content-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--XyZ--\r\n"
        let view = RequestView(method: "POST", target: "/upload", headers: [("Content-Type", "multipart/form-data; boundary=XyZ")], body: Array(multipart.utf8))
        let fields = labels(view)
        #expect(fields["body:title"] == "<svg onload=alert(1)>")
        #expect(fields["body:file"] == "hello")
    }

    @Test func onlyTheFirstBodyBytesAreInspectedAndTheViewSaysSo() {
        let body = [UInt8](repeating: UInt8(ascii: "a"), count: 100) + Array("' OR 1=1".utf8)
        let view = RequestView(method: "POST", target: "/x", headers: [("Content-Type", "text/plain")], body: body, bodyLimit: 100)
        #expect(view.bodyTruncated)
        #expect(view.fields.last?.value.count == 100)
        #expect(!RequestView(method: "POST", target: "/x", headers: [], body: body).bodyTruncated)
    }
}

@Suite struct CleanValueCacheTests {
    @Test func cleanHeadersAreRememberedAndAttacksNever() {
        let cache = CleanValueCache(capacity: 2)
        let browser = RequestView(method: "GET", target: "/api/products?q=tea", headers: [("User-Agent", "Mozilla/5.0 (X11; Linux)")], body: [])
        #expect(Detectors.inspect(browser, cache: cache) == nil)
        #expect(cache.count == 1)
        let attack = RequestView(method: "GET", target: "/", headers: [("User-Agent", "' OR 1=1--")], body: [])
        #expect(Detectors.inspect(attack, cache: cache)?.attack == .sqli)
        #expect(Detectors.inspect(attack, cache: cache)?.attack == .sqli, "a detected value is never cached")
        #expect(cache.count == 1)
        // Query values are never cached: the same text can be harmless in a header and not elsewhere.
        #expect(Detectors.inspect(RequestView(method: "GET", target: "/?q=Mozilla", headers: [], body: []), cache: cache) == nil)
        #expect(cache.count == 1)
        // Full: emptied, then filled again.
        for agent in ["a/1", "b/2", "c/3"] { _ = Detectors.inspect(RequestView(method: "GET", target: "/", headers: [("User-Agent", agent)], body: []), cache: cache) }
        #expect(cache.count <= 2)
        // With a detector switched off nothing is cached (a value must be read by every detector first).
        let partial = CleanValueCache()
        _ = Detectors.inspect(browser, enabled: [.xss], cache: partial)
        #expect(partial.count == 0)
    }
}
