import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import FuzzSupport
import Testing
@testable import WAF

/// Seeded fuzzing of everything in the WAF that reads client input (issue 16). A crash ends the test
/// process; the seed printed before it replays the run.
@Suite struct WAFFuzzTests {
    /// The detectors' and transforms' grammars: what each looks for, broken into pieces.
    static let pieces = ["union", "select", "or", "and", "sleep(", "benchmark(", "waitfor", "delay", "1=1", "'1'='1", "information_schema",
                         "exec", "xp_cmdshell", "char(", "concat(", "0x", "@@version", ";", "||", "<script", "<svg/onload=", "<a ", "<style",
                         "javascript:", "onerror=", "alert(", "prompt`", "&lt;", "&#x3c;", "\\x3c", "\\u003c", "+ADw-", "expression(", "cat ",
                         "/etc/passwd", "whoami", "$(id)", "`id`", "; ls -la", "| nc ", "&& ping", "system('", "() { :;};", "..\\", "..%2f",
                         "%c0%ae", "\u{FF0E}", "win.ini", "file:///", "c:\\windows", "0x2e0x2e", "data:text/html",
                         " and 5=6", "(select ", "case when ", " then ", " is null", "rlike ", "iif(", "*/", "/*", "$$", "%'", "\\", "'\""]

    @Test func detectorsAndTransformsKeepTheirInvariantsOnHostileInput() {
        Fuzz.run("WAF detectors and transforms", defaultCases: 3000) { generator, index in
            let value = generator.bytes(pieces: Self.pieces, maximum: generator.chance(0.05) ? 16_384 : 512)
            let first = Detectors.inspect(value: value)
            // The paranoia-level-2 rules read the same bytes and must keep the same invariants.
            if let loose = Detectors.inspect(value: value, raised: Set(AttackClass.allCases))?.1 {
                #expect((0...max(value.count, 1)).contains(loose.offset), "case \(index): PL2 offset \(loose.offset)")
            }
            #expect(Detectors.inspect(value: value)?.1 == first?.1, "case \(index): not deterministic")
            if let finding = first?.1 { #expect((0...max(value.count, 1)).contains(finding.offset), "case \(index): offset \(finding.offset)") }
            #expect(Transforms.urlDecode(value).count <= value.count)
            #expect(Transforms.htmlEntityDecode(value).count <= value.count)
            #expect(Transforms.lowercase(value).count == value.count)
            #expect(!Transforms.removeNulls(value).contains(0))
            #expect(Transforms.compressWhitespace(value).count <= value.count)
            #expect(Transforms.replaceBlockComments(value).count <= value.count)
            let (path, _) = Transforms.normalizePath(value)
            let segments = path.split(separator: UInt8(ascii: "/"))
            #expect(!segments.contains { $0.elementsEqual([UInt8(ascii: ".")]) || $0.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")]) })
        }
    }

    @Test func requestViewsAndTheFirewallHoldTheirLimitsOnHostileRequests() {
        let firewall = WebApplicationFirewall()
        Fuzz.run("WAF request views", defaultCases: 1500) { generator, index in
            let target = "/api/" + generator.string(pieces: Self.pieces + ["?", "&", "=", "q=", "%26", "%3d"], maximum: 2048)
            let contentTypes = ["application/json", "application/x-www-form-urlencoded", "multipart/form-data; boundary=XyZ", "text/plain", "application/xml", ""]
            var headers: [(name: String, value: String)] = []
            for _ in 0..<generator.int(0...6) {
                headers.append((generator.pick(["User-Agent", "Referer", "Cookie", "X-Custom", "Origin", "Accept"]), generator.string(pieces: Self.pieces, maximum: 256)))
            }
            let contentType = generator.pick(contentTypes)
            if !contentType.isEmpty { headers.append(("Content-Type", contentType)) }
            let body = generator.bytes(pieces: Self.pieces + ["{", "}", "\"", ":", ",", "--XyZ\r\n", "Content-Disposition: form-data; name=\"f\"\r\n\r\n",
                                                              "<a>", "</a>", "<b x=\"", "\">", "/>", "<![CDATA[", "]]>", "<!DOCTYPE a [", "]>", "<?xml ?>", "&amp;"],
                                       maximum: generator.chance(0.05) ? 70_000 : 1024)
            let view = RequestView(method: "POST", target: target, headers: headers, body: body)
            #expect(view.fields.count <= RequestView.maximumFields, "case \(index)")
            if body.count > 64 * 1024 { #expect(view.uninspectable != nil, "case \(index): a body past the limit passed as inspectable") }
            _ = firewall.inspect(method: "POST", target: target, headers: headers, body: body, clientIP: "192.0.2.1", clientAddress: [192, 0, 2, 1])
        }
    }

    /// Differential: every string Foundation writes into a JSON document, the WAF's JSON scanner finds.
    @Test func theJSONScannerFindsEveryStringFoundationWrites() throws {
        func value(_ generator: inout FuzzGenerator, depth: Int) -> Any {
            switch depth > 4 ? generator.int(0...2) : generator.int(0...5) {
            case 0: return generator.string(pieces: Self.pieces, maximum: 40)
            case 1: return generator.int(-1000...1000)
            case 2: return generator.chance(0.5)
            case 3: return (0..<generator.int(0...4)).map { _ in value(&generator, depth: depth + 1) }
            default:
                var object: [String: Any] = [:]
                for _ in 0..<generator.int(0...4) { object[generator.string(pieces: Self.pieces, maximum: 20)] = value(&generator, depth: depth + 1) }
                return object
            }
        }
        func strings(_ value: Any) -> [String] {
            switch value {
            case let text as String: return [text]
            case let list as [Any]: return list.flatMap(strings)
            case let object as [String: Any]: return object.keys.map { $0 } + object.values.flatMap(strings)
            default: return []
            }
        }
        try Fuzz.run("WAF JSON scanner against JSONSerialization", defaultCases: 1000) { generator, index in
            let document: Any = generator.chance(0.5) ? value(&generator, depth: 0) as? [String: Any] ?? ["k": "v"] : [value(&generator, depth: 0)]
            let data = try JSONSerialization.data(withJSONObject: document)
            let found = try #require(JSONStrings.extract(Array(data)), "case \(index): the scanner gave up on \(String(decoding: data, as: UTF8.self))")
            let expected = strings(document).map { Array($0.utf8) }
            #expect(found.map(\.value).sorted { $0.lexicographicallyPrecedes($1) } == expected.sorted { $0.lexicographicallyPrecedes($1) },
                    "case \(index): \(String(decoding: data, as: UTF8.self))")
        }
    }

    /// Differential, against the toolchain's XML parser (libxml2 behind FoundationXML): every text node and
    /// attribute value it reports in a generated document, the WAF's XML scanner finds too.
    @Test func theXMLScannerFindsEveryTextAndAttributeTheXMLParserReports() throws {
        #if canImport(FoundationXML)
        final class Collector: NSObject, XMLParserDelegate {
            var values: [String] = []
            var text = ""
            func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String]) {
                flush()
                values += attributes.values.filter { !$0.isEmpty }
            }
            func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) { flush() }
            func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
            func flush() {
                let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
                if !trimmed.isEmpty { values.append(trimmed) }
                text = ""
            }
        }
        func escaped(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: "\"", with: "&quot;")
        }
        let words = ["shoe", "O'Reilly", "a & b", "<script>", "1=1", "x\"y", "caf\u{e9}", "50%"]
        try Fuzz.run("WAF XML scanner against XMLParser", defaultCases: 500) { generator, index in
            var document = "<?xml version=\"1.0\"?><root>"
            var open: [String] = ["root"]
            for _ in 0..<generator.int(1...12) {
                switch generator.int(0...3) {
                case 0 where open.count < 8:
                    let name = generator.pick(["item", "note", "x:y", "a-b"])
                    let attribute = generator.chance(0.5) ? " k=\"\(escaped(generator.pick(words)))\"" : ""
                    document += "<\(name)\(attribute)>"
                    open.append(name)
                case 1 where open.count > 1: document += "</\(open.removeLast())>"
                case 2: document += "<e v=\"\(escaped(generator.pick(words)))\"/>"
                default: document += generator.chance(0.3) ? "<![CDATA[\(generator.pick(words))]]>" : escaped(generator.pick(words))
                }
            }
            while let name = open.popLast() { document += "</\(name)>" }
            let collector = Collector()
            let parser = XMLParser(data: Data(document.utf8))
            parser.delegate = collector
            try #require(parser.parse(), "case \(index): the reference parser refused \(document)")
            let found = try #require(XMLFields.extract(Array(document.utf8)), "case \(index): the scanner gave up on \(document)")
            let scanned = Set(found.filter { !$0.path.hasSuffix("?") }.map { String(decoding: $0.value, as: UTF8.self) })
            for value in collector.values {
                #expect(scanned.contains(value) || scanned.contains { $0.contains(value) || value.contains($0) }, "case \(index): \(value) missing in \(document)")
            }
        }
        #endif
    }

    @Test func multipartPartsAreAlwaysPiecesOfTheBody() {
        Fuzz.run("WAF multipart", defaultCases: 1500) { generator, index in
            let body = generator.bytes(pieces: ["--B", "--B\r\n", "--B--", "\r\n\r\n", "\r\n", "Content-Disposition: form-data; name=\"", "\"",
                                                "filename=\"../../x\"", "name=\"a\"\r\n\r\nvalue"], maximum: 2048)
            for part in Multipart.parts(body, boundary: "B") {
                #expect(part.value.isEmpty || ByteSearch.find(part.value, in: body, from: 0) != nil, "case \(index)")
            }
        }
    }
}
