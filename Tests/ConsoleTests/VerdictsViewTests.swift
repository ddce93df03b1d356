import Dashboard
import Foundation
import Testing
@testable import Console

/// Issue 21's request inspector: the WAF's verdicts (`v`), one of them with the whole request as the WAF saw
/// it, and block or allow from there; and from a client's detail, `i` to its latest verdict.
@Suite struct VerdictsViewTests {
    @Test func theVerdictsViewListsAndTheInspectorShowsTheRequestAndActsOnItsClient() {
        var model = Fixtures.model(Fixtures.focused(on: .verdicts), width: 120, height: 40)
        _ = model.update(.character("v"))
        #expect(model.mode == .verdicts && model.dashboardFocus == .verdicts)
        #expect(Screen.render(model).lines.contains { $0.contains("127.0.66.6") && $0.contains("login-rate") && $0.contains("(+12)") })
        _ = model.update(.down)
        _ = model.update(.up)
        _ = model.update(.enter)
        #expect(model.mode == .inspect(41) && model.dashboardFocus == .verdict(41))
        #expect(VerdictsView.inspectorLines(model, id: 41) == ["  loading…"], "until the snapshot carries the request")
        model.receive(Fixtures.focused(on: .verdict(41)))
        let lines = VerdictsView.inspectorLines(model, id: 41)
        #expect(lines.contains("matched   ARGS:q · tautology"))
        #expect(lines.contains("decoded   1' OR '1'='1"))
        #expect(lines.contains("GET /api/products?q=1%27%20OR%20%271%27%3D%271&limit=5"))
        #expect(lines.contains("  User-Agent: sqlmap/1.8.4#stable (https://sqlmap.org)"))
        #expect(lines.contains("body (0 bytes)"))

        _ = model.update(.character("b"))
        #expect(model.mode == .blockPrompt(step: 1, cidr: "127.0.3.17", reason: "", text: ""), "the block prompt, at its reason")
        _ = model.update(.escape)
        model.mode = .inspect(41)
        _ = model.update(.character("a"))
        #expect(model.mode == .command("allow 127.0.3.17 "))
        _ = model.update(.escape)
        model.mode = .inspect(41)
        // A request longer than the box scrolls like every overlay.
        var long = Fixtures.focused(on: .verdict(41))
        long.focused?.inspected?.headers = (0..<40).map { ["X-Header-\($0)", "value"] }
        model.receive(long)
        _ = model.update(.down)
        _ = model.update(.down)
        #expect(model.overlayScroll == 2 && model.mode == .inspect(41))
        _ = model.update(.end)
        #expect(model.overlayScroll == Overlays.maximumScroll(model) && model.overlayScroll > 2)
        _ = model.update(.escape)
        #expect(model.mode == .verdicts, "back to the list")
        _ = model.update(.escape)
        #expect(model.mode == .normal)

        var readOnly = Fixtures.model(Fixtures.focused(on: .verdict(41)))
        readOnly.readOnly = true
        readOnly.mode = .inspect(41)
        _ = readOnly.update(.character("b"))
        #expect(readOnly.mode == .inspect(41) && readOnly.notes.last?.hasPrefix("read-only") == true)
    }

    @Test func theFocusesRoundTripAsParameters() {
        for focus in [DashboardFocus.verdicts, .verdict(41), .verdict(UInt64.max)] {
            #expect(DashboardFocus(parameter: focus.parameter) == focus)
        }
        #expect(DashboardFocus(parameter: "verdict:") == nil && DashboardFocus(parameter: "verdict:-1") == nil && DashboardFocus(parameter: "verdict:1e3") == nil)
    }

    @Test func fromAClientsDetailIInspectsItsLatestVerdict() {
        var model = Fixtures.model(Fixtures.focused(on: .client("127.0.3.17")), width: 120, height: 40)
        _ = model.update(.enter)
        #expect(model.mode == .detail("127.0.3.17"))
        #expect(Overlays.detailLines(model).contains("WAF verdicts (i inspects the latest request):"))
        _ = model.update(.character("i"))
        #expect(model.mode == .inspect(41))
    }

    @Test(arguments: [(80, 24), (120, 40)])
    func theViewsRenderAtBothSizes(_ width: Int, _ height: Int) throws {
        for (focus, mode, name) in [(DashboardFocus.verdicts, ConsoleModel.Mode.verdicts, "verdicts"), (.verdict(41), .inspect(41), "inspector")] {
            var model = Fixtures.model(Fixtures.focused(on: focus), width: width, height: height)
            model.mode = mode
            let coloured = Screen.render(model)
            try ScreenTests().check("\(name)-\(width)x\(height)", coloured)
            model.colour = false
            #expect(Screen.render(model).lines == coloured.lines, "NO_COLOR changes colours, not text")
        }
    }
}

/// The false-positive preview: before a rule change is confirmed in the rules view, what it would have done to
/// recent traffic, and which paying customers it would have shut out; `+`/`-` tune a rate rule's limit.
@Suite struct RulePreviewViewTests {
    @Test func aRuleChangeWaitingForItsAnswerShowsItsPreview() throws {
        var model = Fixtures.model(width: 120, height: 40)
        _ = model.update(.character("w"))
        let names = model.snapshot?.rules?.map(\.name) ?? []
        for _ in 0..<(names.firstIndex(of: "sqli") ?? 0) { _ = model.update(.down) }
        // sqli blocks in the fixture: `a` proposes count, then (answered no) off, then block again.
        _ = model.update(.character("a"))
        #expect(model.dashboardFocus == .rulePreview(rule: "sqli", action: "count", limit: nil), "the shop is asked to replay the change")
        #expect(RulesView.previewLines(model, width: 110).isEmpty, "until the snapshot carries it")
        var letThrough = Fixtures.focused(on: .rulePreview(rule: "sqli", action: "count", limit: nil))
        letThrough.rules = model.snapshot?.rules
        model.receive(letThrough)
        #expect(RulesView.previewLines(model, width: 110) == ["preview: would have let through 41 requests from 3 addresses (the 41 matches in the WAF's log since",
                                                             "2026-12-01T00:40:00Z)"], "no paying customers listed for what gets through")
        _ = model.update(.character("n"))
        let switchedOff = model.snapshot?.rules?.map { rule in
            var rule = rule
            if rule.name == "sqli" { rule.action = "off" }
            return rule
        }
        model.snapshot?.rules = switchedOff
        _ = model.update(.character("a"))
        #expect(model.dashboardFocus == .rulePreview(rule: "sqli", action: "block", limit: nil))
        var snapshot = Fixtures.focused(on: .rulePreview(rule: "sqli", action: "block", limit: nil))
        snapshot.rules = model.snapshot?.rules
        model.receive(snapshot)
        let lines = RulesView.previewLines(model, width: 110)
        #expect(lines.joined(separator: " ").contains("would have refused 41 requests from 3 addresses"), "\(lines)")
        #expect(lines.contains { $0.hasPrefix("  127.0.50.1: 3 confirmed orders from u-2f9c41d0") })
        let screen = Screen.render(model)
        #expect(screen.lines.contains { $0.contains("preview: would have refused 41 requests") }, "drawn under the rules")
        try ScreenTests().check("rules-preview-120x40", screen)
        _ = model.update(.character("n"))
        #expect(model.mode == .rules)
        #expect(model.dashboardFocus == .product("p12"), "answered, the preview is no longer asked for")
    }

    @Test func plusAndMinusTuneARateRulesLimitAfterAQuestion() {
        var model = Fixtures.model(width: 120, height: 40)
        _ = model.update(.character("w"))
        _ = model.update(.down)  // rate-limit, 600 / 300 s
        _ = model.update(.character("-"))
        #expect(model.mode == .confirm(.setRule(name: "rate-limit", action: nil, limit: 480),
                                       "set rate-limit's limit from 600 to 480 requests / 300 s per address? (y/n)"))
        #expect(model.dashboardFocus == .rulePreview(rule: "rate-limit", action: nil, limit: 480))
        #expect(model.update(.character("y")) == [.perform(.setRule(name: "rate-limit", action: nil, limit: 480))])
        _ = model.update(.character("+"))
        #expect(model.mode == .confirm(.setRule(name: "rate-limit", action: nil, limit: 750),
                                       "set rate-limit's limit from 600 to 750 requests / 300 s per address? (y/n)"))
        _ = model.update(.character("n"))
        _ = model.update(.up)
        _ = model.update(.character("+"))
        #expect(model.mode == .rules && model.notes.last == "ip-block has no limit to tune (+ and - change a rate rule's)")
        #expect(DashboardFocus(parameter: "preview:rate-limit,-,480") == .rulePreview(rule: "rate-limit", action: nil, limit: 480))
        #expect(DashboardFocus(parameter: "preview:sqli,block,-") == .rulePreview(rule: "sqli", action: "block", limit: nil))
        #expect(DashboardFocus(parameter: "preview:sqli,block") == nil && DashboardFocus(parameter: "preview:sqli,block,x") == nil)
    }
}

/// The time window (`t`): Traffic and the rules view over 1 min, 5 min, 1 h or 24 h, asked of the shop.
@Suite struct TrafficWindowViewTests {
    static func windowed(_ seconds: Int) -> DashboardSnapshot {
        var snapshot = Fixtures.full
        snapshot.traffic.windowSeconds = seconds
        snapshot.traffic.bucketSeconds = seconds > 3600 ? 600 : 60
        snapshot.rules = snapshot.rules?.map { rule in
            var rule = rule
            rule.perTenMinutes = (0..<144).map { $0 % 12 == 0 ? 5 : 0 }
            return rule
        }
        return snapshot
    }

    @Test func tStepsThroughTheWindowsAndThePanesSayWhichTheyShow() throws {
        var model = Fixtures.model(width: 120, height: 40)
        #expect(model.window == .minute && model.window.seconds == nil)
        for expected in [TrafficWindow.fiveMinutes, .hour, .day, .minute] {
            _ = model.update(.character("t"))
            #expect(model.window == expected)
        }
        _ = model.update(.character("t"))
        _ = model.update(.character("t"))
        #expect(model.window.seconds == 3600 && model.notes.last == "Traffic and WAF rules over the last 1 h")
        model.receive(Self.windowed(3600))
        let screen = Screen.render(model)
        #expect(screen.lines.contains { $0.contains("req/s · last 1 h") })
        #expect(screen.lines.contains { $0.contains("req/1h") })
        try ScreenTests().check("traffic-hour-120x40", screen)

        _ = model.update(.character("t"))
        model.receive(Self.windowed(86_400))
        _ = model.update(.character("w"))
        let rules = Screen.render(model)
        #expect(rules.lines.contains { $0.contains("24 h") && $0.contains("last 24 h") }, "the count and the sparkline cover the day")
        #expect(rules.lines.contains { $0.hasPrefix("│sqli ") && $0.contains("    60 ") }, "twelve ten-minute buckets of five")
        try ScreenTests().check("rules-day-120x40", rules)
    }
}
