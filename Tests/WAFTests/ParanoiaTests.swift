import Foundation
import FuzzSupport
import Testing
@testable import WAF

/// Paranoia level 2, family by family: its rules catch what level 1 lets through only where the family is
/// raised, and what raising a family costs in false positives on generated shop text is measured here
/// (the README's table comes from `waf-eval --paranoia` on the corpora).
@Suite struct ParanoiaTests {
    /// Attacks cut down to their bare beginning, which only the level-2 rules catch.
    static let examples: [Int: [String]] = [
        30500: ["/static/.hidden/key", "/home/.profile"],
        32500: ["; ping example.com", "x; touch x", "| sort", "x && make", "& type notes.txt"],
        41500: ["<b>hi</b>", "<p/x>", "</div>"],
        42500: ["x' or", "x\") union", "'=", "x'/*"],
    ]

    @Test(arguments: AttackClass.allCases)
    func levelTwoRulesRunOnlyWhereTheFamilyIsRaised(_ family: AttackClass) throws {
        let firewall = WebApplicationFirewall()
        let rules = DetectionRule.all.filter { $0.family == family && $0.paranoia == 2 }
        for rule in rules {
            for payload in Self.examples[rule.id] ?? [] {
                let encoded = payload.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? payload
                let target = "/api/products?q=\(encoded)"
                #expect(firewall.inspect(method: "GET", target: target, headers: [], body: [], clientIP: "198.51.100.7") == .allow, "\(payload) at PL1")
                try firewall.setParanoia(2, forRule: family.rawValue)
                let verdict = firewall.inspect(method: "GET", target: target, headers: [], body: [], clientIP: "198.51.100.7")
                guard case .block(let name, let detection) = verdict else { Issue.record("\(payload) passed at PL2"); continue }
                #expect(name == family.rawValue && detection.rule == rule, "\(payload): \(detection.rule)")
                try firewall.setParanoia(1, forRule: family.rawValue)
            }
        }
        #expect(firewall.paranoia(of: family) == 1)
        #expect(throws: WAFError.paranoia(3)) { try firewall.setParanoia(3, forRule: family.rawValue) }
        #expect(throws: WAFError.unknownRule("rate-limit")) { try firewall.setParanoia(2, forRule: "rate-limit") }
    }

    /// A header found clean at level 1 is remembered as clean; raised to level 2, it must be read again.
    @Test func raisingAFamilyReadsCachedHeadersAgain() throws {
        let firewall = WebApplicationFirewall()
        let headers = [(name: "X-Note", value: "<b>bold</b>")]
        #expect(firewall.inspect(method: "GET", target: "/api/products", headers: headers, body: [], clientIP: "198.51.100.7") == .allow)
        #expect(firewall.inspect(method: "GET", target: "/api/products", headers: headers, body: [], clientIP: "198.51.100.7") == .allow)
        try firewall.setParanoia(2, forRule: "xss")
        guard case .block(_, let detection) = firewall.inspect(method: "GET", target: "/api/products", headers: headers, body: [], clientIP: "198.51.100.7") else {
            Issue.record("a cached header was not read again at PL2")
            return
        }
        #expect(detection.rule == .markupLoose && detection.field == "REQUEST_HEADERS:X-Note")
        #expect(firewall.rules.first { $0.name == "xss" }?.paranoia == 2)
    }

    /// What each family's level 2 costs on generated shop text that looks dangerous: printed for the
    /// README beside the level-1 rate, and bounded so a level-2 rule that flags ordinary text wholesale fails.
    @Test(arguments: AttackClass.allCases)
    func falsePositiveCostOfLevelTwo(_ family: AttackClass) throws {
        let levelOne = WebApplicationFirewall()
        let levelTwo = WebApplicationFirewall()
        try levelTwo.setParanoia(2, forRule: family.rawValue)
        var flagged = (one: 0, two: 0)
        var examples: Set<String> = []
        var total = 0
        Fuzz.run("paranoia \(family.rawValue)", defaultCases: 2000) { generator, _ in
            let (place, value) = BenignShopText.text(&generator)
            let body = Array((try? JSONSerialization.data(withJSONObject: [place: value])) ?? Data())
            total += 1
            for (index, firewall) in [levelOne, levelTwo].enumerated() {
                let verdict = firewall.inspect(method: "POST", target: "/api/events", headers: [("Content-Type", "application/json")], body: body,
                                               clientIP: "198.51.100.9")
                guard verdict != .allow else { continue }
                if index == 0 { flagged.one += 1 } else { flagged.two += 1 }
                if index == 1, case .block(_, let detection) = verdict { examples.insert("\(detection.rule.id) \(detection.excerpt)") }
            }
        }
        let one = 100 * Double(flagged.one) / Double(total), two = 100 * Double(flagged.two) / Double(total)
        print(String(format: "paranoia %@: PL1 %.2f %% → PL2 %.2f %% of %d generated shop texts flagged", family.rawValue, one, two, total))
        for example in examples.sorted().prefix(6) { print("  PL2 \(family.rawValue) flagged: \(example)") }
        #expect(flagged.two >= flagged.one)
        #expect(two <= 25, "PL2 \(family) flags \(two) % of shop text")
    }
}
