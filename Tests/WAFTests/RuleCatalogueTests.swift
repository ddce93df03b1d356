import Foundation
import Testing
@testable import WAF

/// Every detection rule by its id: attacks it must catch, in every place a request can carry them, with
/// the verdict naming that rule and that field; and the look-alikes it must let through. A rule added to
/// the catalogue without examples here fails `everyRuleHasExamples`.
@Suite struct RuleCatalogueTests {
    /// Attacks each rule must be the first to catch, wherever they are placed.
    static let examples: [Int: [String]] = [
        30100: ["../../../../etc/passwd", "..\\..\\..\\boot.ini"],
        30110: ["..;/..;/..;/WEB-INF/web.xml", "..:..:..:conf"],
        30120: ["./././././home/profile.jpg"],
        30130: ["/etc/shadow", "C:/Windows/win.ini"],
        30140: ["/.aws/credentials", "/srv/app/.env", "/.git/HEAD"],
        30150: ["file:///home/user/notes.txt"],
        30160: [#"<!DOCTYPE r [<!ENTITY x SYSTEM "http://198.51.100.1/x.dtd">]>"#],
        32100: [";cat /etc/hostname", "| whoami", "&& ping -c 3 198.51.100.1"],
        32110: ["/bin/busybox telnetd", "cmd.exe /c dir"],
        32120: ["() { :; }; echo vulnerable"],
        32130: ["system('id')", "passthru(\"ls\")"],
        32140: ["x`rev /tmp/k`"],
        32150: ["a${IFS}b", "${PATH:0:1}"],
        32160: ["tr a-z A-Z <<< hello"],
        32170: ["[ 5 -ne ${n} ]"],
        32180: ["for /f %i in ('x') do echo %i"],
        41100: ["<script>alert(1)</script>", "<iframe src=//198.51.100.1>", "&ltscript&gtalert(document.cookie);&ltscript&gt"],
        41110: ["<div onmouseover=alert(1)>", "<b onclick=x()>"],
        41120: ["javascript:alert(1)", "<a href=\"jav&#x09;ascript:x()\">"],
        41130: ["\" autofocus onfocus=x() \"", "\">probe<br/attr="],
        41140: ["\";alert(1)//"],
        41150: ["alert(document.domain)", "prompt`1`"],
        41160: ["behavior:url(#default#time2)", "width:expression(x())"],
        41170: ["<test x=y>", "<aUdio x=y>"],
        41180: ["top['al'+'ert'](1)"],
        41190: ["[]['constructor']['constructor']('x')()"],
        41200: ["[][(![]+[])[+[]]+(![]+[])[!+[]+!+[]]]"],
        41210: ["setTimeout`x()`"],
        42100: ["1 UNION SELECT username, password FROM users", "-1' union all select 1,2,3-- -"],
        42110: ["x' OR 1=1", "' or 'a'='a", "1' AND 5819=7655-- x"],
        42120: ["1' AND (SELECT count(*) FROM information_schema.tables)>0-- x", "1 AND (SELECT 5 FROM DUAL WHERE 2=2)"],
        42130: ["(1974=5222)*5222", "shoe,(CASE WHEN 1=1 THEN 1 ELSE NULL END)"],
        42140: ["1' AND SLEEP(5)-- x", "1 OR pg_sleep(5)"],
        42150: ["1 AND extractvalue(1,concat(0x7e,version()))"],
        42160: ["x;information_schema.tables", "(sqlite_master)"],
        42170: ["1; DROP TABLE users", "x'; insert into logs values(1)-- ", "EXEC('sel'+'ect 1')", "1;SELECT *"],
        42180: ["xp_cmdshell 'dir'", "sp_executesql N'select 1'"],
        42190: ["admin'--", "admin')#"],
        42200: ["x' INTO OUTFILE '/var/www/s.php", "1 PROCEDURE ANALYSE()"],
        42210: ["shoe,.',,\"(...", "shoe'xYz<'\">)abc"],
        42220: ["x'(select 1)"],
        42230: ["1' + char(char(65))"],
        42240: ["x'||'y"],
        42250: ["1 AND @@version"],
        42260: ["1' ORDER BY 3-- x"],
    ]

    /// Text each family's rules must pass, even at paranoia level 1 in every place.
    static let lookAlikes = ["O'Reilly's \"Learning SQL\"", "select wine", "drop earrings", "rock & roll; pop", "cat litter", "<3 this",
                             "a < b > c", "union jack flag", "config.json.gz", "my .env question", "salt & pepper", "1950 or 1960",
                             "time: 10:30", "type: more", "file: notes.txt", "ships to C:\\ drive? no",
                             "\"great\" > \"good\"", "my <iPhone 15> case", "pick 2; select any", "<a href=\"/faq\">FAQ</a> says"]

    @Test func identifiersAreUniqueAndNumberedByFamilyAndLevel() {
        #expect(Set(DetectionRule.all.map(\.id)).count == DetectionRule.all.count)
        let prefix: [AttackClass: Int] = [.traversal: 30, .cmdi: 32, .xss: 41, .sqli: 42]
        for rule in DetectionRule.all {
            #expect(rule.id / 1000 == prefix[rule.family], "\(rule)")
            #expect(rule.id / 100 % 10 == (rule.paranoia == 1 ? 1 : 5) || rule.id / 100 % 10 == 2 && rule.paranoia == 1, "\(rule)")
            #expect(!rule.message.isEmpty && DetectionRule.withID(rule.id) == rule)
        }
        for family in AttackClass.allCases { #expect(DetectionRule.all.contains { $0.family == family && $0.paranoia == 2 }, "\(family)") }
    }

    @Test func everyRuleHasExamples() {
        for rule in DetectionRule.all where rule.paranoia == 1 { #expect(Self.examples[rule.id]?.isEmpty == false, "no examples for \(rule)") }
        for rule in DetectionRule.all where rule.paranoia == 2 { #expect(ParanoiaTests.examples[rule.id]?.isEmpty == false, "no examples for \(rule)") }
    }

    @Test(arguments: PlacementTests.Place.allCases)
    func eachRuleCatchesItsAttacksIn(_ place: PlacementTests.Place) {
        let firewall = WebApplicationFirewall()
        for (id, payloads) in Self.examples.sorted(by: { $0.key < $1.key }) {
            for payload in payloads {
                let request = PlacementTests.request(payload, in: place)
                let verdict = firewall.inspect(method: "POST", target: request.target, headers: request.headers, body: request.body, clientIP: "198.51.100.7")
                guard case .block(_, let detection) = verdict else {
                    Issue.record("\(id): \(payload) in \(place) passed")
                    continue
                }
                #expect(detection.rule.id == id, "\(payload) in \(place): \(detection.rule) (\(detection.shape))")
                #expect(detection.field.hasPrefix(PlacementTests.field(place)), "\(payload) in \(place): \(detection.field)")
            }
        }
    }

    @Test(arguments: PlacementTests.Place.allCases)
    func lookAlikesPassIn(_ place: PlacementTests.Place) {
        let firewall = WebApplicationFirewall()
        for text in Self.lookAlikes {
            let request = PlacementTests.request(text, in: place)
            let verdict = firewall.inspect(method: "POST", target: request.target, headers: request.headers, body: request.body, clientIP: "198.51.100.8")
            #expect(verdict == .allow, "\(text) in \(place): \(verdict)")
        }
    }

    @Test func aVerdictCarriesTheRuleItsFieldAndTheDecodedExcerpt() {
        let firewall = WebApplicationFirewall()
        let verdict = firewall.inspect(method: "GET", target: "/api/products?q=1%27%20AND%20SLEEP%285%29--%20x", headers: [], body: [], clientIP: "198.51.100.7")
        guard case .block(let rule, let detection) = verdict else { Issue.record("passed"); return }
        #expect(rule == "sqli")
        #expect(detection.rule == .timeBased && detection.rule.severity == .critical)
        #expect(detection.field == "ARGS:q")
        #expect(detection.excerpt.contains("sleep(5)") || detection.excerpt.contains("SLEEP(5)"), "\(detection.excerpt)")
        #expect(firewall.recentVerdicts().last?.detail.hasPrefix("[42140] ") == true, "\(firewall.recentVerdicts().last?.detail ?? "")")
    }
}
