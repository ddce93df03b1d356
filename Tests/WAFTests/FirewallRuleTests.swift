import Foundation
import Telemetry
import Testing
@testable import WAF

@Suite struct RateRuleUnitTests {
    @Test func aScopedRuleCountsOnlyItsRequests() {
        let rule = RateRule(name: "login", limit: 2, windowSeconds: 300, scope: .init(method: "POST", pathPrefix: "/api/sessions"))
        let now = Date(timeIntervalSince1970: 1_000_000)
        let address: [UInt8] = [10, 0, 0, 1]
        for _ in 0..<10 { #expect(rule.record(address: address, clientIP: "10.0.0.1", method: "GET", path: "/api/products", now: now) == nil) }
        #expect(rule.record(address: address, clientIP: "10.0.0.1", method: "POST", path: "/api/sessions", now: now) == nil)
        #expect(rule.record(address: address, clientIP: "10.0.0.1", method: "POST", path: "/api/sessions", now: now) == nil)
        #expect(rule.record(address: address, clientIP: "10.0.0.1", method: "POST", path: "/api/sessions", now: now) == 3)
        #expect(rule.count(for: address, now: now) == 3)
        #expect(rule.count(for: address, now: now.addingTimeInterval(310)) == 0)
        #expect(rule.record(address: [10, 0, 0, 2], clientIP: "10.0.0.2", method: "POST", path: "/api/sessions", now: now) == nil)
    }

    @Test func theWindowSlidesBucketByBucket() {
        let rule = RateRule(name: "r", limit: 4, windowSeconds: 60)
        let start = Date(timeIntervalSince1970: 1_000_000)
        let address: [UInt8] = [10, 0, 0, 1]
        // Two requests at 0 s, two at 30 s: four in the window, at the limit.
        for offset in [0.0, 0, 30, 30] { #expect(rule.record(address: address, clientIP: "10.0.0.1", method: "GET", path: "/", now: start + offset) == nil) }
        #expect(rule.record(address: address, clientIP: "10.0.0.1", method: "GET", path: "/", now: start + 40) == 5)
        // At 60 s the first bucket has slid out: three left, plus this one.
        #expect(rule.record(address: address, clientIP: "10.0.0.1", method: "GET", path: "/", now: start + 60) == nil)
        #expect(rule.count(for: address, now: start + 60) == 4)
    }

    @Test func anAddressOverTheLimitIsListedWithItsReleaseTimeAndCanBeForgiven() throws {
        let rule = RateRule(name: "rate-limit", limit: 3, windowSeconds: 60)
        let start = Date(timeIntervalSince1970: 1_000_000)
        let address: [UInt8] = [192, 0, 2, 5]
        for offset in [0.0, 10, 20, 21, 22] { _ = rule.record(address: address, clientIP: "192.0.2.5", method: "GET", path: "/", now: start + offset) }
        let listed = try #require(rule.limitedAddresses(now: start + 25).first)
        #expect(listed.cidr == "192.0.2.5/32" && listed.source == "rate-limit" && listed.hits == 2)
        #expect(listed.createdAt == start + 21)
        // Five requests, limit three: the address is back in once the buckets at 0 s and 10 s slide out.
        #expect(listed.expiresAt == start + 70)
        #expect(rule.limitedAddresses(now: start + 70).isEmpty)
        #expect(rule.forgive(address), "still refused at 25 s, so forgiving it lets it in")
        #expect(rule.count(for: address, now: start + 25) == 0)
        #expect(!rule.forgive(address))
    }
}

@Suite struct FirewallRuleTests {
    let clock = ManualClock()

    func inspect(_ waf: WebApplicationFirewall, _ target: String, from ip: String = "198.51.100.7") -> WAFVerdict {
        let address = ip.split(separator: ".").compactMap { UInt8($0) }
        return waf.inspect(method: "GET", target: target, headers: [], body: [], clientIP: ip, clientAddress: address)
    }

    @Test func theRuleListGoesInEvaluationOrder() {
        let waf = WebApplicationFirewall(clock: clock)
        #expect(waf.rules.map(\.name) == ["ip-block", "rate-limit", "login-rate", "oversize", "sqli", "xss", "cmdi", "traversal", "repeat-offender"])
        #expect(waf.rules.map(\.kind) == ["ipset", "rate", "rate", "oversize", "sqli", "xss", "cmdi", "traversal", "ipset"])
    }

    @Test func repeatedDetectorBlocksPutTheAddressInTheIPSetWithTheDetectorAsSource() throws {
        let waf = WebApplicationFirewall(clock: clock, repeatOffenders: RepeatOffenderRule(threshold: 3, windowSeconds: 60, blockSeconds: 600))
        for _ in 0..<2 { #expect(inspect(waf, "/api/products?q=%27%20OR%201%3D1--") != .allow) }
        #expect(inspect(waf, "/api/products", from: "198.51.100.7") == .allow, "two offences are not enough")
        clock.advance(by: 61)
        // The first two have left the window: two more are still under the threshold.
        for _ in 0..<2 { _ = inspect(waf, "/api/products?q=%3Cscript%3Ealert(1)%3C/script%3E") }
        #expect(inspect(waf, "/api/products") == .allow)
        _ = inspect(waf, "/api/products?q=%3Cscript%3Ealert(2)%3C/script%3E")
        guard case .blockedAddress(let block) = inspect(waf, "/api/products") else { Issue.record("the address was not blocked"); return }
        #expect(block.cidr == "198.51.100.7/32" && block.source == "xss")
        #expect(block.expiresAt == clock.now().addingTimeInterval(600))
        #expect(inspect(waf, "/api/products", from: "198.51.100.8") == .allow, "a neighbour is not")
        #expect(waf.recentVerdicts().contains { $0.rule == "repeat-offender" && $0.detail == "198.51.100.7/32 blocked for 600 s" })
        clock.advance(by: 600)
        #expect(inspect(waf, "/api/products") == .allow, "the block expires")
    }

    @Test func aRepeatOffenderRuleInCountModeOnlyLogs() throws {
        let waf = WebApplicationFirewall(clock: clock, repeatOffenders: RepeatOffenderRule(threshold: 2))
        try waf.setAction(.count, forRule: "repeat-offender")
        for _ in 0..<4 { _ = inspect(waf, "/api/products?q=%27%20OR%201%3D1--") }
        #expect(inspect(waf, "/api/products") == .allow)
        let logged = waf.recentVerdicts().filter { $0.rule == "repeat-offender" }
        #expect(logged.map(\.action) == [.count])
        #expect(logged.first?.repeats == 1, "the second would-be block within the second is folded into the first")
    }

    @Test func theIPSetInCountModeLetsListedAddressesInButLogsThem() throws {
        let waf = WebApplicationFirewall(clock: clock)
        waf.blocks.add(IPBlock(cidr: "198.51.100.0/24", network: [198, 51, 100, 0], prefixLength: 24, reason: "test", source: "manual",
                               createdAt: clock.now(), expiresAt: nil))
        guard case .blockedAddress = inspect(waf, "/api/products") else { Issue.record("not blocked"); return }
        try waf.setAction(.count, forRule: "ip-block")
        #expect(inspect(waf, "/api/products") == .allow)
        try waf.setAction(.off, forRule: "ip-block")
        #expect(inspect(waf, "/api/products") == .allow)
        #expect(waf.recentVerdicts().map(\.action) == [.block, .count])
        #expect(waf.recentVerdicts().first?.detail == "198.51.100.0/24 blocked (manual): test")
    }

    @Test func aFloodIsFoldedInTheLogAndCountedPerMinuteAndPerAddress() throws {
        let waf = WebApplicationFirewall(clock: clock, rateRules: [RateRule(name: "rate-limit", limit: 10, windowSeconds: 60)])
        for _ in 0..<30 { _ = inspect(waf, "/api/products", from: "203.0.113.1") }
        for _ in 0..<12 { _ = inspect(waf, "/api/products", from: "203.0.113.2") }
        _ = inspect(waf, "/api/products?q=%27%20OR%201%3D1--", from: "203.0.113.3")
        let verdicts = waf.recentVerdicts()
        #expect(verdicts.map(\.clientIP) == ["203.0.113.1", "203.0.113.2", "203.0.113.3"])
        #expect(verdicts.map(\.repeats) == [19, 1, 0])
        #expect(verdicts.first?.detail == "11 requests in 60 s, limit 10")
        #expect(verdicts.last?.detection?.excerpt.contains("OR 1=1") == true)
        #expect(waf.topBlockedClients(limit: 2).map(\.clientIP) == ["203.0.113.1", "203.0.113.2"])
        #expect(waf.topBlockedClients().first?.blocks == 20)
        let perMinute = waf.blocksPerMinute()
        #expect(perMinute["rate-limit"]?.last == 22)
        #expect(perMinute["sqli"]?.last == 1)
        #expect(perMinute["rate-limit"]?.count == 60)
        // A second later the flood is logged anew; an hour later the minutes have rolled off.
        clock.advance(by: 1)
        _ = inspect(waf, "/api/products", from: "203.0.113.1")
        #expect(waf.recentVerdicts().count == 4)
        clock.advance(by: 3600)
        #expect(waf.blocksPerMinute().isEmpty)
        #expect(waf.rules.first { $0.name == "rate-limit" }?.matched == 23)
    }

    /// Issue 21, problem 3: the header's blocks a minute counted the current minute so far, so a steady attack
    /// read 487 → 0 → 71 → 180 → 540. Over a sliding minute, 4 blocks a second read 240 whenever it is looked at.
    @Test func aSteadyAttackReadsSteadyBlocksPerMinute() {
        let waf = WebApplicationFirewall(clock: clock)
        clock.advance(by: 17.4)
        var readings: [Int] = []
        for tick in 0..<(4 * 150) {
            _ = inspect(waf, "/api/products?q=%27%20OR%201%3D1--", from: "203.0.113.\(tick % 200 + 1)")
            clock.advance(by: 0.25)
            if tick >= 4 * 65, tick % 5 == 0 { readings.append(waf.blocksInLastMinute()) }
        }
        #expect(readings.count > 60)
        #expect(readings.allSatisfy { (236...244).contains($0) }, "\(readings)")
        clock.advance(by: 61)
        #expect(waf.blocksInLastMinute() == 0)
    }

    @Test func blockedAddressesListManualAndRateBlocksTogether() {
        let waf = WebApplicationFirewall(clock: clock, rateRules: [RateRule(name: "rate-limit", limit: 1, windowSeconds: 60)])
        waf.blocks.add(IPBlock(cidr: "192.0.2.0/24", network: [192, 0, 2, 0], prefixLength: 24, reason: "test", source: "manual",
                               createdAt: clock.now(), expiresAt: nil))
        clock.advance(by: 1)
        for _ in 0..<3 { _ = inspect(waf, "/api/products", from: "203.0.113.9") }
        #expect(waf.blockedAddresses().map(\.source) == ["manual", "rate-limit"])
        #expect(waf.forgive([203, 0, 113, 9]))
        #expect(waf.blockedAddresses().map(\.source) == ["manual"])
        #expect(inspect(waf, "/api/products", from: "203.0.113.9") == .allow)
    }
}

@Suite struct IPSetIndexTests {
    func block(_ cidr: String, _ network: [UInt8], _ prefix: Int) -> IPBlock {
        IPBlock(cidr: cidr, network: network, prefixLength: prefix, reason: "r", source: "manual", createdAt: Date(timeIntervalSince1970: 0), expiresAt: nil)
    }

    @Test func theMostSpecificBlockMatchesAmongThousands() {
        let list = IPBlockList()
        for index in 0..<5000 { list.add(block("10.1.\(index / 256).\(index % 256)/32", [10, 1, UInt8(index / 256), UInt8(index % 256)], 32)) }
        list.add(block("10.1.0.0/16", [10, 1, 0, 0], 16))
        list.add(block("10.0.0.0/8", [10, 0, 0, 0], 8))
        list.add(block("2001:db8::/64", [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 12), 64))
        let now = Date(timeIntervalSince1970: 1)
        #expect(list.match([10, 1, 3, 7], now: now)?.cidr == "10.1.3.7/32")
        #expect(list.match([10, 1, 200, 7], now: now)?.cidr == "10.1.0.0/16")
        #expect(list.match([10, 9, 9, 9], now: now)?.cidr == "10.0.0.0/8")
        #expect(list.match([11, 1, 3, 7], now: now) == nil)
        #expect(list.match([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0xde, 0xad, 0, 0, 0, 0, 0, 1], now: now)?.cidr == "2001:db8::/64")
        #expect(list.match([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1] + [UInt8](repeating: 0, count: 8), now: now) == nil)
        #expect(list.remove("10.1.0.0/16"))
        #expect(list.match([10, 1, 200, 7], now: now)?.cidr == "10.0.0.0/8")
        #expect(list.count == 5002)
    }

    @Test func theListIsBounded() {
        let list = IPBlockList()
        for index in 0..<IPBlockList.capacity {
            #expect(list.add(block("10.\(index / 65536).\(index / 256 % 256).\(index % 256)/32", [10, UInt8(index / 65536), UInt8(index / 256 % 256), UInt8(index % 256)], 32)))
        }
        #expect(!list.add(block("192.0.2.1/32", [192, 0, 2, 1], 32)), "full")
        #expect(list.add(block("10.0.0.0/32", [10, 0, 0, 0], 32)), "replacing a block still works when full")
    }

    @Test func masksClearTheHostBits() {
        #expect(IPBlockList.mask([10, 1, 255, 255], prefixLength: 17) == [10, 1, 128, 0])
        #expect(IPBlockList.mask([10, 1, 255, 255], prefixLength: 0) == [0, 0, 0, 0])
        #expect(IPBlockList.mask([10, 1, 255, 255], prefixLength: 32) == [10, 1, 255, 255])
    }
}
