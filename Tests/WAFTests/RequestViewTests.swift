import Foundation
import FuzzSupport
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
        #expect(fields["REQUEST_FILENAME"] == "/api/products/pA")
        #expect(fields["ARGS:q"] == "' OR 1=1")
        #expect(fields["ARGS:limit"] == "5")
        #expect(fields["ARGS_NAMES#q"] == "q")
        #expect(fields["REQUEST_HEADERS:User-Agent"] == "curl/8")
        #expect(fields["REQUEST_HEADERS:X-Custom"] == "<script>")
        #expect(fields["REQUEST_HEADERS:Referer.q"] == "<img src=x>")
        #expect(fields["REQUEST_COOKIES:theme"] == "'dark")
        #expect(fields["REQUEST_COOKIES:session"] == "abc")
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
        #expect(labels(form)["ARGS:user"] == "admin'--")
        let multipart = "--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\n<svg onload=alert(1)>\r\n--XyZ\r\n"
            + "Content-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--XyZ--\r\n"
        let view = RequestView(method: "POST", target: "/upload", headers: [("Content-Type", "multipart/form-data; boundary=XyZ")], body: Array(multipart.utf8))
        let fields = labels(view)
        #expect(fields["ARGS:title"] == "<svg onload=alert(1)>")
        #expect(fields["ARGS:file"] == "hello")
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
    static let browser: [(name: String, value: String)] = [("User-Agent", "Mozilla/5.0 (X11; Linux)"), ("Cookie", "session=abc")]

    @Test func cleanHeadersAreReadOnceAndAttacksAlways() {
        let waf = WebApplicationFirewall()
        #expect(waf.inspect(method: "GET", target: "/api/products?q=tea", headers: Self.browser, body: [], clientIP: "a") == .allow)
        #expect(waf.cachedCleanValues == 2)
        #expect(waf.inspect(method: "GET", target: "/api/products?q=tea", headers: Self.browser, body: [], clientIP: "a") == .allow)
        #expect(waf.cachedCleanValues == 2)
        // A bad query next to cached headers is still caught, and its request caches nothing new.
        let attack: [(name: String, value: String)] = Self.browser + [("X-Note", "fine")]
        guard case .block(let rule, _) = waf.inspect(method: "GET", target: "/?q=%27%20OR%201=1--", headers: attack, body: [], clientIP: "a") else {
            Issue.record("not blocked")
            return
        }
        #expect(rule == "sqli")
        #expect(waf.cachedCleanValues == 2)
        // A header that is an attack is never cached.
        let evil: [(name: String, value: String)] = [("User-Agent", "' OR 1=1--")]
        for _ in 0..<2 {
            if case .allow = waf.inspect(method: "GET", target: "/", headers: evil, body: [], clientIP: "a") { Issue.record("let through") }
        }
    }

    @Test func withARuleSwitchedOffNothingIsCached() throws {
        let waf = WebApplicationFirewall()
        try waf.setAction(.off, forRule: "xss")
        _ = waf.inspect(method: "GET", target: "/", headers: Self.browser, body: [], clientIP: "a")
        #expect(waf.cachedCleanValues == 0)
    }

    @Test func aHeaderIsFoundByItsNameInAnyCaseAndItsExactValue() {
        let cache = CleanValueCache()
        for header in [("User-Agent", "Mozilla/5.0"), ("X-Empty", ""), ("ab", "c")] { cache.insert(WebApplicationFirewall.cacheKey(header)) }
        #expect(cache.contains(header: ("user-agent", "Mozilla/5.0")))
        #expect(cache.contains(header: ("USER-AGENT", "Mozilla/5.0")))
        #expect(!cache.contains(header: ("User-Agent", "mozilla/5.0")), "values are compared exactly")
        #expect(!cache.contains(header: ("User-Agent", "Mozilla/5.1")))
        #expect(!cache.contains(header: ("User-Agent", "Mozilla/5.0 ")))
        #expect(cache.contains(header: ("x-empty", "")))
        #expect(cache.contains(header: ("AB", "c")))
        #expect(!cache.contains(header: ("a", "bc")), "the name ends where the value starts")
        #expect(!cache.contains(header: ("abc", "")))
    }

    @Test func theCacheEmptiesWhenFull() {
        let cache = CleanValueCache(capacity: 2)
        for value in ["a", "b", "c"] { cache.insert(Array(value.utf8)) }
        #expect(cache.count == 1)
        #expect(cache.contains(Array("c".utf8)))
        cache.insert([UInt8](repeating: 1, count: 5000))
        #expect(cache.count == 1, "long values are not kept")
    }
}

@Suite struct PlainTargetTests {
    @Test func aPlainPathIsLetThroughQuicklyButNotASensitiveOne() {
        let waf = WebApplicationFirewall()
        #expect(waf.inspect(method: "GET", target: "/api/products/p1", headers: [("Host", "x")], body: [], clientIP: "a") == .allow)
        guard case .block(let rule, _) = waf.inspect(method: "GET", target: "/api/products/etc/passwd", headers: [], body: [], clientIP: "a") else {
            Issue.record("not blocked")
            return
        }
        #expect(rule == "traversal")
        // The clean plain target is remembered once; the sensitive one is never remembered, and blocked again.
        #expect(waf.cachedCleanValues == 1)
        #expect(waf.inspect(method: "GET", target: "/api/products/p1", headers: [], body: [], clientIP: "a") == .allow)
        #expect(waf.cachedCleanValues == 1)
        if case .allow = waf.inspect(method: "GET", target: "/api/products/etc/passwd", headers: [], body: [], clientIP: "a") {
            Issue.record("let through the second time")
        }
        #expect(waf.cachedCleanValues == 1)
        #expect(!RequestView.isPlainTarget("/a/../b"))
        #expect(!RequestView.isPlainTarget("/a?q=1"))
        #expect(RequestView.isPlainTarget("/api/products/sku-1.2~x_y"))
    }
}

@Suite struct IPBlockListTests {
    @Test func networksMatchByPrefixAndFamily() {
        let now = Date(timeIntervalSince1970: 0)
        let v4 = IPBlock(cidr: "10.1.0.0/17", network: [10, 1, 0, 0], prefixLength: 17, reason: "r", source: "manual", createdAt: now, expiresAt: nil)
        #expect(v4.contains([10, 1, 127, 255]))
        #expect(!v4.contains([10, 1, 128, 0]))
        #expect(!v4.contains([UInt8](repeating: 0, count: 16)), "an IPv6 address never matches an IPv4 network")
        let all = IPBlock(cidr: "0.0.0.0/0", network: [0, 0, 0, 0], prefixLength: 0, reason: "r", source: "manual", createdAt: now, expiresAt: nil)
        #expect(all.contains([203, 0, 113, 9]))
        let list = IPBlockList()
        list.add(IPBlock(cidr: "192.0.2.7/32", network: [192, 0, 2, 7], prefixLength: 32, reason: "r", source: "manual", createdAt: now,
                         expiresAt: now.addingTimeInterval(10)))
        #expect(list.match([192, 0, 2, 7], now: now.addingTimeInterval(9.9))?.hits == 1)
        #expect(list.match([192, 0, 2, 7], now: now.addingTimeInterval(10)) == nil, "expired at its expiry time")
        #expect(list.list(now: now.addingTimeInterval(10)).isEmpty)
        #expect(!list.remove("192.0.2.7/32"))
    }
}

@Suite struct XMLBodyTests {
    func view(_ xml: String, contentType: String = "application/xml") -> RequestView {
        RequestView(method: "POST", target: "/api/orders", headers: [("Content-Type", contentType)], body: Array(xml.utf8))
    }

    @Test func textAttributesAndCDATABecomeFieldsNamedByTheirElementPath() {
        let xml = #"<?xml version="1.0"?><order id="o-7"><item sku="p1">2</item><note>fast &amp; <![CDATA[<b>safe</b>]]></note><gift/></order>"#
        let fields = view(xml).fields.filter { $0.location == .xml }.map { "\($0.label)=\(String(decoding: $0.value, as: UTF8.self))" }
        #expect(fields.contains("XML:/order/@id=o-7"))
        #expect(fields.contains("XML:/order/item/@sku=p1"))
        #expect(fields.contains("XML:/order/item=2"))
        #expect(fields.contains("XML:/order/note=fast &"))
        #expect(fields.contains("XML:/order/note=<b>safe</b>"))
        #expect(!view(xml).fields.contains { $0.location == .body }, "a well-formed document is not read again as raw text")
    }

    @Test func anXMLDeclarationMakesABodyXMLWhateverItsType() {
        let parsed = view(#"<?xml version="1.0"?><q>1' UNION SELECT 1--</q>"#, contentType: "text/plain")
        #expect(parsed.fields.contains { $0.label == "XML:/q" })
    }

    @Test func aBodyThatIsNotWellFormedIsInspectedAsText() {
        for broken in ["<a><b></a></b>", "<a x=1></a>", "<a>text", "<a></a><b></b>", "<a>x</a>trailing"] {
            let fields = view(broken).fields
            #expect(fields.last?.location == .body && fields.last?.name == "", "\(broken)")
        }
    }

    @Test func deepNestingIsBoundedAndStillInspected() {
        let deep = String(repeating: "<a>", count: 500) + "x' OR 1=1--" + String(repeating: "</a>", count: 500)
        let fields = view(deep).fields
        #expect(fields.last?.location == .body, "past 64 levels the document is read as text")
        let firewall = WebApplicationFirewall()
        #expect(firewall.inspect(method: "POST", target: "/x", headers: [("Content-Type", "application/xml")], body: Array(deep.utf8), clientIP: "198.51.100.3") != .allow)
    }

    @Test func externalEntitiesAndScriptInXMLAreCaughtAndPlainOrdersPass() {
        let firewall = WebApplicationFirewall()
        func verdict(_ xml: String) -> WAFVerdict {
            firewall.inspect(method: "POST", target: "/api/orders", headers: [("Content-Type", "application/xml")], body: Array(xml.utf8), clientIP: "198.51.100.3")
        }
        guard case .block(_, let xxe) = verdict(#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "http://198.51.100.9/e.dtd">]><r>&x;</r>"#) else {
            Issue.record("an external entity passed")
            return
        }
        #expect(xxe.rule == .xmlExternalEntity && xxe.field == "XML:!DOCTYPE")
        guard case .block(_, let markup) = verdict(#"<order><svg onload="alert(1)"/></order>"#) else { Issue.record("an event handler passed"); return }
        #expect(markup.rule.family == .xss && markup.field.hasPrefix("XML:/order/svg"), "\(markup.field)")
        #expect(verdict(#"<?xml version="1.0" encoding="UTF-8"?><order id="o-1"><item sku="p1" qty="2"/><note>Ben &amp; Jerry's, 2 &lt; 3</note></order>"#) == .allow)
    }
}

@Suite struct ASCIINamesTests {
    /// The byte search that replaced Foundation's `contains` on content types answers as Foundation does on
    /// the lowercased text, over random types built from the pieces a content type is made of.
    @Test func containsAgreesWithFoundationOnLowercasedText() {
        let pieces = ["application/", "json", "JSON", "xml", "text/", "+", ";", " charset=utf-8", "js", "jso", "x", "m", "l", "é", "\u{0}"]
        Fuzz.run("ASCIINames.contains", defaultCases: 2000) { generator, index in
            let text = (0..<generator.int(0...6)).map { _ in generator.pick(pieces) }.joined()
            for word: StaticString in ["json", "xml"] {
                #expect(ASCIINames.contains(text, word) == text.lowercased().contains("\(word)"), "case \(index): \(text.debugDescription)")
            }
        }
        #expect(ASCIINames.contains("application/vnd.api+JSON", "json") && !ASCIINames.contains("js", "json") && !ASCIINames.contains("", "xml"))
    }
}
