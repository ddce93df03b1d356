import Foundation
import Telemetry
import Testing
@testable import WAF

/// The request inspector's source: each logged verdict keeps the request as the WAF saw it, cut to bounds a
/// client cannot push, and can be asked for again by its id.
@Suite struct SeenRequestTests {
    @Test func aVerdictKeepsItsRequestWithinBoundsAndIsFoundByItsID() throws {
        let waf = WebApplicationFirewall(clock: ManualClock())
        let headers = (0..<100).map { (name: "X-Header-\($0)-" + String(repeating: "n", count: 200), value: String(repeating: "v", count: 5000)) }
        let body = Array(String(repeating: "b", count: 10_000).utf8)
        let target = "/api/products?q=1%27%20OR%20%271%27%3D%271&pad=" + String(repeating: "p", count: 5000)
        guard case .block = waf.inspect(method: "GET", target: target, headers: headers, body: body, clientIP: "192.0.2.9") else {
            Issue.record("the probe was not blocked")
            return
        }
        let logged = try #require(waf.recentVerdicts().last)
        #expect(logged.id > 0)
        let found = try #require(waf.verdict(id: logged.id))
        let request = try #require(found.request)
        #expect(request.target.count == SeenRequest.targetLimit && request.target.hasPrefix("/api/products?q=1%27"))
        #expect(request.headers.count == SeenRequest.headerLimit && request.headerCount == 100)
        #expect(request.headers.allSatisfy { $0.name.count <= SeenRequest.headerNameLimit && $0.value.count == SeenRequest.headerValueLimit })
        #expect(request.body.utf8.count == SeenRequest.bodyLimit && request.bodyBytes == 10_000)
        #expect(found.detection?.field == "ARGS:q")
        #expect(waf.verdict(id: logged.id + 1) == nil)
    }

    @Test func idsRiseAndAVerdictFoldedIntoAnotherKeepsTheFirstsRequest() throws {
        let clock = ManualClock()
        let waf = WebApplicationFirewall(clock: clock)
        waf.blocks.add(IPBlock(cidr: "198.51.100.0/24", network: [198, 51, 100, 0], prefixLength: 24, reason: "test", source: "manual",
                               createdAt: clock.now(), expiresAt: nil))
        for path in ["/first", "/second"] {
            _ = waf.inspect(method: "GET", target: path, headers: [], body: [], clientIP: "198.51.100.7", clientAddress: [198, 51, 100, 7])
        }
        clock.advance(by: 2)
        _ = waf.inspect(method: "GET", target: "/third", headers: [], body: [], clientIP: "198.51.100.7", clientAddress: [198, 51, 100, 7])
        let logged = waf.recentVerdicts()
        #expect(logged.map(\.id) == [1, 2] && logged.map(\.repeats) == [1, 0])
        #expect(logged.map { $0.request?.target } == ["/first", "/third"])
    }
}
