import Foundation
import Testing
@testable import WAF

/// What the WAF cannot inspect is a verdict of rule `oversize`, never a silent pass (issue 16, finding 3).
@Suite struct OversizeTests {
    static let script = "%3Cscript%3Ealert(1)%3C%2Fscript%3E"

    private func inspect(_ waf: WebApplicationFirewall, target: String = "/api/products", contentType: String? = "application/json",
                         body: [UInt8] = []) -> WAFVerdict {
        waf.inspect(method: body.isEmpty ? "GET" : "POST", target: target, headers: contentType.map { [("Content-Type", $0)] } ?? [],
                    body: body, clientIP: "192.0.2.7")
    }

    /// Found: `<script>` as the 500th query parameter passed with no verdict.
    @Test func aPayloadPastTheFieldLimitIsAnOversizeVerdict() {
        let query = (1..<500).map { "p\($0)=x" }.joined(separator: "&") + "&q=" + Self.script
        #expect(inspect(WebApplicationFirewall(), target: "/api/products?" + query) == .uninspectable(.fields(limit: RequestView.maximumFields)))
    }

    /// Found: a payload after 1,000 JSON keys passed.
    @Test func aPayloadAfterAThousandJSONKeysIsAnOversizeVerdict() {
        let keys = (0..<1000).map { #""k\#($0)":1"# }.joined(separator: ",")
        let body = Array(#"{\#(keys),"name":"<script>alert(1)</script>"}"#.utf8)
        #expect(inspect(WebApplicationFirewall(), body: body) == .uninspectable(.fields(limit: RequestView.maximumFields)))
    }

    /// Found: anything after the first 64 KiB of a body passed.
    @Test func aBodyPastTheInspectionLimitIsAnOversizeVerdict() {
        let padding = String(repeating: "a", count: 64 * 1024)
        let body = Array(#"{"pad":"\#(padding)","name":"<script>alert(1)</script>"}"#.utf8)
        #expect(inspect(WebApplicationFirewall(), body: body) == .uninspectable(.body(byteCount: body.count, limit: 64 * 1024)))
    }

    /// Found: JSON sent as UTF-16 or UTF-32 was accepted, and `..\u002f` hid in it.
    @Test(arguments: [String.Encoding.utf16LittleEndian, .utf16BigEndian, .utf16, .utf32LittleEndian, .utf32BigEndian, .utf32])
    func jsonNotInUTF8IsAnOversizeVerdict(_ encoding: String.Encoding) throws {
        let body = try #require(#"{"productId":"..\u002f..\u002fetc\u002fpasswd","quantity":1}"#.data(using: encoding))
        let verdict = inspect(WebApplicationFirewall(), body: Array(body))
        guard case .uninspectable(.encoding) = verdict else { Issue.record("\(encoding): \(verdict)"); return }
        // Without a content type the shop's handlers read a body as JSON too.
        guard case .uninspectable(.encoding) = inspect(WebApplicationFirewall(), contentType: nil, body: Array(body)) else {
            Issue.record("\(encoding) without a content type passed"); return
        }
    }

    @Test func utf8JSONWithAByteOrderMarkIsInspectedAsJSON() {
        let body: [UInt8] = [0xEF, 0xBB, 0xBF] + Array(#"{"q":"..\u002f..\u002fetc\u002fpasswd"}"#.utf8)
        guard case .block(let rule, _) = inspect(WebApplicationFirewall(), body: body) else { Issue.record("passed"); return }
        #expect(rule == "traversal")
    }

    @Test func ordinaryRequestsAreNotOversize() {
        let waf = WebApplicationFirewall()
        #expect(inspect(waf, body: Array(#"{"productId":"p1","quantity":2,"note":"für Müller — 日本"}"#.utf8)) == .allow)
        #expect(inspect(waf, target: "/api/products?" + (1...400).map { "p\($0)=x" }.joined(separator: "&")) == .allow)
        // A body cut at the limit inside a multi-byte character is still UTF-8 up to the cut.
        #expect(RequestView.notUTF8(Array("日本".utf8).dropLast(1).map { $0 }, cut: true) == nil)
        #expect(RequestView.notUTF8([0x61, 0xC3, 0x28], cut: false) == "invalid UTF-8")
    }

    @Test func countModeLogsTheVerdictAndInspectsWhatItCanAndOffSkipsIt() throws {
        let waf = WebApplicationFirewall()
        try waf.setAction(.count, forRule: WebApplicationFirewall.oversizeRule)
        let padding = String(repeating: "a", count: 64 * 1024)
        #expect(inspect(waf, body: Array(#"{"pad":"\#(padding)"}"#.utf8)) == .allow)
        #expect(waf.recentVerdicts().last?.rule == "oversize")
        #expect(waf.recentVerdicts().last?.action == .count)
        // What lies within the limit is still inspected.
        guard case .block(let rule, _) = inspect(waf, body: Array(#"{"q":"' OR 1=1--","pad":"\#(padding)"}"#.utf8)) else {
            Issue.record("the injection within the limit passed"); return
        }
        #expect(rule == "sqli")
        try waf.setAction(.off, forRule: WebApplicationFirewall.oversizeRule)
        let before = waf.recentVerdicts().count
        #expect(inspect(waf, body: Array(#"{"pad":"\#(padding)"}"#.utf8)) == .allow)
        #expect(waf.recentVerdicts().count == before)
        #expect(waf.rules.first { $0.name == "oversize" }?.action == .off)
    }
}
