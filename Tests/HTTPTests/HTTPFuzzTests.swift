import Addressing
import FuzzSupport
import Testing
@testable import HTTP

/// Seeded fuzzing of what the HTTP module reads from the network (issue 16).
@Suite struct HTTPFuzzTests {
    static let pieces = ["GET ", "POST ", "PUT ", "HEAD ", "/api/products", "?q=", " HTTP/1.1\r\n", " HTTP/1.0\r\n", " HTTP/2.0\r\n", "\r\n", "\r\n\r\n",
                         "Host: a\r\n", "Content-Length: ", "Content-Length: 5\r\n", "Content-Length: 99999999999999999999\r\n", "Content-Length: -1\r\n",
                         "Transfer-Encoding: chunked\r\n", "Transfer-Encoding: gzip, chunked\r\n", "Expect: 100-continue\r\n", "Connection: close\r\n",
                         "0\r\n\r\n", "5\r\nhello\r\n", "ffffffffffffffff\r\n", "5;ext=1\r\n", " folded\r\n", "X-A: b\r\n", ":", "hello"]

    /// What a parser made of its input, comparable across splits (`continueNeeded` depends on how much of the
    /// body had arrived, so it is left out).
    static func outcomes(_ chunks: [[UInt8]], limits: HTTPLimits) -> [String] {
        var parser = HTTPRequestParser(limits: limits)
        var seen: [String] = []
        for chunk in chunks {
            parser.append(chunk)
            while let event = parser.next() {
                switch event {
                case .request(let request):
                    seen.append("request \(request.method) \(request.target) 1.\(request.minorVersion) \(request.headers.fields.map { "\($0.name)=\($0.value)" }) "
                                + "\(request.body) \(request.keepAlive)")
                case .continueNeeded:
                    continue
                case .failure(let error):
                    seen.append("failure \(error.status)")
                    return seen
                }
            }
        }
        return seen
    }

    /// Bytes arrive in any split: the parser must answer the same whatever the split, never crash, and only
    /// fail with a 4xx or 5xx status.
    @Test func theRequestParserAnswersTheSameForEverySplitOfHostileInput() {
        var limits = HTTPLimits()
        limits.maxRequestLineBytes = 512
        limits.maxHeaderBytes = 1024
        limits.maxBodyBytes = 4096
        Fuzz.run("HTTP request parser", defaultCases: 3000) { generator, index in
            let input = generator.bytes(pieces: Self.pieces, maximum: generator.chance(0.1) ? 8192 : 600)
            let whole = Self.outcomes([input], limits: limits)
            let split = Self.outcomes(generator.chunks(input), limits: limits)
            let byByte = Self.outcomes(input.map { [$0] }, limits: limits)
            #expect(whole == split && whole == byByte, "case \(index): \(String(decoding: input.prefix(300), as: UTF8.self).debugDescription)\nwhole \(whole.map { $0.prefix(120) })\nsplit \(split.map { $0.prefix(120) })\nbytes \(byByte.map { $0.prefix(120) })")
            for outcome in whole where outcome.hasPrefix("failure ") {
                let status = Int(outcome.dropFirst(8)) ?? 0
                #expect((400...599).contains(status), "case \(index): \(outcome)")
            }
        }
    }

    /// Addresses and networks as clients and operators write them: parsing what was printed gives the same.
    @Test func addressesAndNetworksRoundTripThroughTheirTextAndNeverCrash() {
        let pieces = ["::", ":", "::1", "1", "0", "255", "256", "65535", "ffff", "fffff", ".", "/", "/0", "/32", "/33", "/128", "/129", "%eth0",
                      "127.0.0.1", "::ffff:", "2001:db8::", "[", "]", "-1", "0x7f", "00001", "1.2.3.4.5", "1..2"]
        Fuzz.run("IP addresses and networks", defaultCases: 5000) { generator, index in
            let text = generator.string(pieces: pieces, maximum: 80)
            if let address = IPAddress(text) {
                #expect(IPAddress(address.description) == address, "case \(index): \(text.debugDescription) → \(address)")
            }
            if let network = IPNetwork(text) {
                let again = IPNetwork(network.description)
                #expect(again?.description == network.description, "case \(index): \(text.debugDescription) → \(network)")
                #expect(network.contains(network.address), "case \(index): \(network) does not contain its own address")
            }
        }
    }
}

@Suite struct ParserSplitRegressionTests {
    /// Found by the fuzzer (seed 18441610159100435822, case 48840): a request line of bare CRs over the limit
    /// was 400 in one read and 414 byte by byte.
    @Test func anOverlongLineWithABareCRIs414HoweverItArrives() {
        var limits = HTTPLimits()
        limits.maxRequestLineBytes = 512
        let input = Array(String(repeating: "\r", count: 600).utf8) + [0x0A]
        #expect(HTTPFuzzTests.outcomes([input], limits: limits) == ["failure 414"])
        #expect(HTTPFuzzTests.outcomes(input.map { [$0] }, limits: limits) == ["failure 414"])
    }
}
