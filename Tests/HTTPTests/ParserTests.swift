import Testing
@testable import HTTP

/// Feeds `text` to a parser in pieces cut by `split` and collects every event.
func parse(_ bytes: [UInt8], limits: HTTPLimits = HTTPLimits(), split: (Int) -> Int) -> [HTTPParserEvent] {
    var parser = HTTPRequestParser(limits: limits)
    var events: [HTTPParserEvent] = []
    var offset = 0
    while offset < bytes.count {
        let end = min(bytes.count, offset + max(1, split(bytes.count - offset)))
        parser.append(Array(bytes[offset..<end]))
        offset = end
        while let event = parser.next() {
            events.append(event)
            if case .failure = event { return events }
        }
    }
    return events
}

func requests(_ events: [HTTPParserEvent]) -> [HTTPRequest] {
    events.compactMap { if case .request(let r) = $0 { r } else { nil } }
}

func failure(_ events: [HTTPParserEvent]) -> HTTPParseError? {
    for event in events { if case .failure(let f) = event { return f } }
    return nil
}

/// Every way of feeding the bytes that the tests use: whole, byte by byte, and random splits.
func everySplit(_ text: String, limits: HTTPLimits = HTTPLimits(), check: ([HTTPParserEvent]) -> Void) {
    let bytes = Array(text.utf8)
    check(parse(bytes, limits: limits) { $0 })
    check(parse(bytes, limits: limits) { _ in 1 })
    var generator = SystemRandomNumberGenerator()
    for _ in 0..<20 { check(parse(bytes, limits: limits) { _ in Int.random(in: 1...17, using: &generator) }) }
}

@Suite struct ValidRequestTests {
    @Test func aSimpleGet() {
        everySplit("GET /api/products/p1?x=1&q=a+b HTTP/1.1\r\nHost: shop\r\nAccept: */*\r\n\r\n") { events in
            let got = requests(events)
            #expect(got.count == 1)
            #expect(got.first?.method == "GET" && got.first?.path == "/api/products/p1" && got.first?.query == "x=1&q=a+b")
            #expect(got.first?.queryParameters == ["x": "1", "q": "a b"])
            #expect(got.first?.headers["host"] == "shop" && got.first?.keepAlive == true)
        }
    }

    @Test func pipelinedRequestsComeOutInOrder() {
        let text = "GET /a HTTP/1.1\r\nHost: h\r\n\r\nPOST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhelloGET /c HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
        everySplit(text) { events in
            let got = requests(events)
            #expect(got.map(\.path) == ["/a", "/b", "/c"])
            #expect(got.count == 3 && got[1].body == Array("hello".utf8))
            #expect(got.last?.keepAlive == false)
        }
    }

    @Test func chunkedBodiesAreReassembled() {
        let text = "POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\nB\r\n, world!!!!\r\n0\r\nX-Trailer: t\r\n\r\n"
        everySplit(text) { events in
            #expect(requests(events).first.map { String(decoding: $0.body, as: UTF8.self) } == "hello, world!!!!")
        }
    }

    @Test func expectContinueIsAnnouncedBeforeTheBody() {
        var parser = HTTPRequestParser()
        parser.append(Array("PUT /x HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n".utf8))
        guard case .continueNeeded? = parser.next() else { Issue.record("no continue"); return }
        #expect(parser.next() == nil)
        parser.append(Array("abc".utf8))
        guard case .request(let request)? = parser.next() else { Issue.record("no request"); return }
        #expect(request.body == Array("abc".utf8))
    }

    @Test func http10DefaultsToClose() {
        everySplit("GET / HTTP/1.0\r\n\r\n") { #expect(requests($0).first?.keepAlive == false) }
        everySplit("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n") { #expect(requests($0).first?.keepAlive == true) }
    }

    @Test func bareLineFeedsAndLeadingEmptyLinesAreTolerated() {
        everySplit("\r\nGET / HTTP/1.1\nHost: h\n\n") { #expect(requests($0).count == 1) }
    }
}

@Suite struct MalformedRequestTests {
    @Test(arguments: [
        ("GET /\r\nHost: h\r\n\r\n", 400),
        ("GET / HTTP/1.1 extra\r\nHost: h\r\n\r\n", 400),
        ("G\u{1}T / HTTP/1.1\r\nHost: h\r\n\r\n", 400),
        ("GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505),
        ("GET / HTXP/1.1\r\nHost: h\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", 400),
        ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 3\r\n\r\nabc", 400),
        ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: h\r\nX-Long: a\r\n folded\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: h\r\nNo colon here\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
        ("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: h\r\nExpect: magic\r\n\r\n", 417),
    ])
    func malformedShapes(text: String, status: Int) {
        everySplit(text) { events in
            #expect(failure(events)?.status == status, "\(events)")
            #expect(requests(events).isEmpty)
        }
    }

    @Test func limitsGiveTheirStatuses() {
        var limits = HTTPLimits()
        limits.maxRequestLineBytes = 64
        limits.maxHeaderBytes = 256
        limits.maxHeaderCount = 5
        limits.maxBodyBytes = 100
        everySplit("GET /\(String(repeating: "a", count: 100)) HTTP/1.1\r\nHost: h\r\n\r\n", limits: limits) { #expect(failure($0)?.status == 414) }
        everySplit("GET / HTTP/1.1\r\nHost: h\r\nX: \(String(repeating: "b", count: 300))\r\n\r\n", limits: limits) { #expect(failure($0)?.status == 431) }
        let many = (0..<6).map { "X\($0): v\r\n" }.joined()
        everySplit("GET / HTTP/1.1\r\nHost: h\r\n\(many)\r\n", limits: limits) { #expect(failure($0)?.status == 431) }
        everySplit("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 101\r\n\r\n", limits: limits) { #expect(failure($0)?.status == 413) }
        everySplit("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n64\r\n\(String(repeating: "c", count: 100))\r\n1\r\nd\r\n0\r\n\r\n", limits: limits) {
            #expect(failure($0)?.status == 413)
        }
        // An endless request line is refused before it is complete.
        var parser = HTTPRequestParser(limits: limits)
        parser.append(Array(repeating: UInt8(ascii: "a"), count: 70))
        guard case .failure(let error)? = parser.next() else { Issue.record("not refused"); return }
        #expect(error.status == 414)
    }

    @Test func randomBytesNeverCrashTheParser() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("GET POST / HTTP/1.1\r\n:Host Content-Length Transfer-Encoding chunked 0123456789abcdef\u{0}\u{7f}\t ".utf8)
        for round in 0..<2000 {
            var parser = HTTPRequestParser()
            let count = Int.random(in: 0...400, using: &generator)
            let bytes: [UInt8] = (0..<count).map { _ in
                round % 2 == 0 ? UInt8.random(in: 0...255, using: &generator) : alphabet.randomElement(using: &generator)!
            }
            var offset = 0
            while offset < bytes.count {
                let end = min(bytes.count, offset + Int.random(in: 1...40, using: &generator))
                parser.append(Array(bytes[offset..<end]))
                offset = end
                while let event = parser.next() { if case .failure = event { break } }
            }
        }
    }
}
