import Dashboard
import Foundation
import Testing
@testable import Console

/// The problems an operator found in ten minutes with the console (issue 21), one test each.
@Suite struct OperatorProblemTests {
    /// A Traffic snapshot whose busiest clients are `clients`, in that order.
    static func traffic(_ clients: [(String, Int)]) -> DashboardSnapshot {
        var snapshot = Fixtures.full
        snapshot.traffic.topClients = clients.map { NamedCount(name: $0.0, count: $0.1) }
        return snapshot
    }

    /// Problem 1: the list re-sorts every second; the highlight, Enter and `b` stay on the address chosen.
    @Test func theSelectionStaysOnItsAddressWhileTrafficReSorts() {
        var model = Fixtures.model(Self.traffic([("10.0.0.1", 900), ("10.0.0.2", 800), ("10.0.0.3", 700)]))
        _ = model.update(.down)
        _ = model.update(.down)
        #expect(model.selectedKey == "10.0.0.3")
        model.receive(Self.traffic([("10.0.0.3", 2000), ("10.0.0.1", 950), ("10.0.0.2", 10)]))
        #expect(model.selectedKey == "10.0.0.3", "the highlight followed its address to the top")
        #expect(model.selectedRow == 0)
        let highlighted = Screen.render(model).lines.first { $0.contains("10.0.0.3") }
        #expect(highlighted != nil)
        _ = model.update(.enter)
        #expect(model.mode == .detail("10.0.0.3"))
        model.receive(Self.traffic([("10.0.0.1", 990), ("10.0.0.2", 900)]))
        #expect(model.mode == .detail("10.0.0.3"), "an open detail keeps its address when it drops out of the list")
        #expect(Overlays.detailLines(model).first == "client    10.0.0.3")
        _ = model.update(.escape)
        #expect(model.selectedKey == "10.0.0.1", "its address gone, the selection took the row it was at")
        model.receive(Self.traffic([("10.0.0.2", 990), ("10.0.0.1", 900), ("10.0.0.3", 5)]))
        #expect(model.selectedKey == "10.0.0.1", "and now stays on that address")
        #expect(model.selectedRow == 1)
        _ = model.update(.character("b"))
        #expect(model.mode == .blockPrompt(step: 0, cidr: "", reason: "", text: "10.0.0.1"))
    }

    /// A pane the operator never moved in must keep its head in view: pinning its first row made Sagas follow
    /// that run down as newer checkouts arrived above it, until the newest run — the one just compensated — was
    /// scrolled out of sight (the tmux test caught it in CI). Home goes back to following the head.
    @Test func anUntouchedPaneKeepsTheNewestRunInView() {
        var model = Fixtures.model(width: 120, height: 40)
        var snapshot = Fixtures.full
        let template = snapshot.runs[2]
        for index in 0..<40 {
            var run = template
            run.runID = "checkout-new-\(index)"
            run.startedAt = snapshot.takenAt.addingTimeInterval(Double(index + 1))
            snapshot.runs.insert(run, at: 0)
            model.receive(snapshot)
        }
        _ = model.update(.character("4"))
        #expect(model.selectedKey == "checkout-new-39", "the newest run, not the one listed first an age ago")
        _ = model.update(.enter)
        #expect(Overlays.detailLines(model).first == "run       checkout-new-39", "and in view")
        _ = model.update(.escape)

        _ = model.update(.down)
        var newer = template
        newer.runID = "checkout-newer"
        snapshot.runs.insert(newer, at: 0)
        model.receive(snapshot)
        #expect(model.selectedKey == "checkout-new-38", "a selection the operator made still follows its run")
        _ = model.update(.home)
        snapshot.runs.insert({ var run = template; run.runID = "checkout-newest"; return run }(), at: 0)
        model.receive(snapshot)
        #expect(model.selectedKey == "checkout-newest", "Home follows the head again")
    }

    /// The address dossier (Enter on a client) puts what a block would cut off and the accounts behind the
    /// address above its requests; the block prompt previews the same impact once the address is given.
    @Test func theDossierAndTheBlocksImpactPreview() {
        var model = Fixtures.model(Fixtures.focused(on: .client("127.0.3.17")), width: 120, height: 40)
        _ = model.update(.enter)
        #expect(model.dashboardFocus == .client("127.0.3.17"))
        let lines = Overlays.detailLines(model)
        #expect(lines.joined(separator: " ").contains(
            "impact: 127.0.3.17 placed 2 confirmed orders (124.50) from 1 account in the last hour; 2 accounts signed in; 1 drop entry"), "wrapped, not cut: \(lines)")
        #expect(lines.contains { $0.hasPrefix("  u-2f9c41d0 ") && $0.hasSuffix("124.50     1") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("  someone-wit…xample.com") }, "a long account is cut in the middle")
        _ = model.update(.escape)

        _ = model.update(.character("b"))
        #expect(model.dashboardFocus == .product("p12"), "no address yet, nothing to preview")
        _ = model.update(.enter)
        #expect(model.dashboardFocus == .client("127.0.3.17"))
        let prompt = Screen.render(model).lines.last ?? ""
        #expect(prompt.hasPrefix("⚠ 2 confirmed orders from 1 account in the last hour · reason for blocking 127.0.3.17: "), "\(prompt)")
    }

    /// Problem 8: unblocking the last row left a blank highlighted row.
    @Test func removingTheSelectedLastRowSelectsTheNewLastRow() {
        var model = Fixtures.model()
        _ = model.update(.character("2"))
        _ = model.update(.end)
        let last = model.selectedKey
        #expect(last == "203.0.113.0/24")
        var after = Fixtures.full
        after.blocked.removeLast()
        model.receive(after)
        #expect(model.selectedKey == "127.0.9.2/32")
        let rows = Screen.render(model).lines.filter { $0.contains("127.0.9.2 ") }
        #expect(!rows.isEmpty)
    }

    /// Problem 4: findings were re-stamped into the event strip every refresh; they are a header badge and a view.
    @Test func findingsAreABadgeAndAViewNotEventLines() {
        var model = Fixtures.model(width: 120, height: 40)
        let screen = Screen.render(model)
        #expect(screen.line(0).hasSuffix(" ⚠ 2 findings (!) "), "warnings counted, the info finding not: \(screen.line(0))")
        #expect(!screen.lines.contains { $0.contains("TLS") })
        _ = model.update(.character("!"))
        #expect(model.mode == .findings)
        let lines = Overlays.findingLines(model)
        #expect(lines.first?.hasPrefix("warning: 1 message(s) wait in dead-letter queue") == true)
        #expect(lines.joined(separator: " ").contains("--trusted-proxy"), "wrapped, not cut")
        #expect(model.helpLines.contains { $0.hasPrefix("!") })
        _ = model.update(.escape)
        #expect(model.mode == .normal)
        var narrow = Fixtures.model(width: 80, height: 24)
        narrow.scenario = "flash-sale"
        let header = Screen.render(narrow).line(0)
        #expect(header.hasSuffix(" ⚠ 2 findings (!) ") && header.contains("…"), "the figures give way to the badge, with an ellipsis: \(header)")
    }

    /// Problem 5: what truncation hid at 80×24 — names cut alike, the run's error, the end of the help and the
    /// hint bar — and that nothing showed a list going on past its pane.
    @Test func truncationKeepsWhatMatters() {
        var snapshot = Fixtures.full
        snapshot.queues.append(.init(name: "drop-entries-dlq.fifo", isFIFO: true, visible: 1, inFlight: 0, delayed: 0, deadLetterQueue: nil,
                                     deadLettered: 0, oldestAgeSeconds: 30, sentPerSecond: 0, receivedPerSecond: 0))
        snapshot.blocked[0].source = "traversal"
        snapshot.traffic.topClients = (1...12).map { NamedCount(name: "10.0.0.\($0)", count: 100 - $0) }
        var model = Fixtures.model(snapshot, height: 30)
        var screen = Screen.render(model).lines
        let queueNames = screen.compactMap { line -> String? in
            guard let range = line.range(of: "drop-") else { return nil }
            return String(line[range.lowerBound...].prefix(17))
        }
        #expect(queueNames.count == 2 && Set(queueNames).count == 2, "\(queueNames)")
        #expect(screen.contains { $0.contains("│compensated ↺↺↺✗·· InjectedFault") }, "the run's error at 80 columns")
        #expect(screen.contains { $0.contains("traversal") })
        #expect(screen.contains { $0.contains("─ 1/12 ↓ ┘") }, "the clients list goes on below")
        let hints = screen[29]
        let allPairs = model.hintBar.components(separatedBy: "  ")
        #expect(!hints.contains("…") && hints.trimmingCharacters(in: .whitespaces).components(separatedBy: "  ").allSatisfy(allPairs.contains),
                "whole hints only: \(hints)")

        model = Fixtures.model(snapshot)
        model.width = 80
        _ = model.update(.character("?"))
        let lastHelpLine = model.helpLines.last ?? "none"
        _ = model.update(.end)
        screen = Screen.render(model).lines
        #expect(screen.contains { $0.contains(lastHelpLine.trimmingCharacters(in: .whitespaces)) })
        // Page down from the top: every line of the help is on some page.
        _ = model.update(.home)
        var all = ""
        for _ in 0..<10 {
            all += Screen.render(model).lines.joined(separator: "\n") + "\n"
            _ = model.update(.pageDown)
        }
        for line in model.helpLines where !line.isEmpty {
            #expect(all.contains(line.trimmingCharacters(in: .whitespaces)), "the help line \"\(line)\" is cut or missing")
        }
    }

    /// Problem 6: focusing Recommendations swapped trending for another table; its score column is "rise".
    @Test func focusingRecommendationsKeepsTrendingInPlace() {
        var model = Fixtures.model()
        let before = Screen.render(model).lines
        _ = model.update(.character("5"))
        let after = Screen.render(model).lines
        for lines in [before, after] {
            #expect(lines.contains { $0.contains("trending") && $0.contains("rise") })
            #expect(lines.contains { $0.contains("Yuzu gumm") && $0.contains("6.2") })
        }
        var quiet = Fixtures.full
        quiet.recommender.trending = []
        #expect(Screen.render(Fixtures.model(quiet, width: 120, height: 40)).lines.contains { $0.contains("nothing rising in 10 min") })
    }

    /// Issue 22: what each model version's recommendations earned, newest first, in the Recommendations pane.
    @Test func theRecommendationsPaneSaysWhatEachVersionEarned() {
        let model = Fixtures.model(Fixtures.full, width: 160, height: 48)
        let lines = Screen.render(model).lines
        #expect(lines.contains { $0.contains("orders earned of 402: v3 31 7.4/1k shown 4123.50 96 carts · v2 58") })
        var older = Fixtures.full
        older.recommender.earnings = nil
        #expect(!Screen.render(Fixtures.model(older, width: 160, height: 48)).lines.contains { $0.contains("earned") }, "a shop without attribution")
    }

    /// Problem 7: a flash sale showed as one `drop.create` line; now the header carries a drop on sale and `d`
    /// shows entrants, winners, the queue and the moment it sold out.
    @Test func aFlashSaleIsVisibleLive() {
        var snapshot = Fixtures.full
        let opened = Fixtures.now.addingTimeInterval(-30)
        snapshot.drops = [
            .init(dropId: "d-old", product: "Cast-iron pan, 24 cm", stock: 50, opensAt: opened.addingTimeInterval(-600), entered: 400, numbered: 400,
                  soldOutAt: opened.addingTimeInterval(-597.5)),
            .init(dropId: "d-live", product: "Organic Sencha, 100 g", stock: 100, opensAt: opened, entered: 812, numbered: 63, soldOutAt: nil),
        ]
        var model = Fixtures.model(snapshot, width: 160, height: 48)
        #expect(Screen.render(model).line(0).contains("drop Organic Sench… 37/100 left · 749 queued"))
        _ = model.update(.character("d"))
        #expect(model.mode == .drops)
        let lines = FlashSaleView.lines(model)
        #expect(lines.first == "d-live  Organic Sencha, 100 g", "newest first")
        #expect(lines.contains("  on sale for 30s"))
        #expect(lines.contains("  entered 812   numbered 63   lost 0   waiting in queue 749"))
        #expect(lines.contains { $0.hasSuffix(" 63/100 won") })
        #expect(lines.contains { $0.hasPrefix("  sold out 2.5 s after opening") })
        #expect(lines.contains("  entered 400   numbered 400   lost 350   waiting in queue 0"))
        #expect(Screen.render(model).lines.contains { $0.contains("Flash sales") })
        snapshot.drops?[1].numbered = 812
        snapshot.drops?[1].soldOutAt = Fixtures.now
        model.receive(snapshot)
        #expect(!Screen.render(model).line(0).contains("left ·"), "sold out: the header lets it go")
    }

    /// Problem 8: slow sign-ins (password hashing) are shown apart and say why.
    @Test func signInLatencyIsShownApartWithItsReason() {
        var snapshot = Fixtures.full
        snapshot.traffic.signInP99Microseconds = 2_310_000
        #expect(Screen.render(Fixtures.model(snapshot, width: 120, height: 40)).lines.contains { $0.contains("sign-in p99 2.3s (password hashing)") })
        #expect(Screen.render(Fixtures.model(snapshot)).lines.contains { $0.contains("p99 12ms  sign-in 2.3s") }, "the short form at 80 columns")
    }

    /// Peers' WAF rules view: every rule's action and matches; `a` switches the selected rule after a y/n.
    @Test func theRulesViewSwitchesARuleAfterAQuestion() {
        var model = Fixtures.model(width: 120, height: 40)
        _ = model.update(.character("w"))
        #expect(model.mode == .rules)
        let screen = Screen.render(model).lines
        #expect(screen.contains { $0.contains("rate-limit") && $0.contains("block") && $0.contains("60") && $0.contains("600 requests / 300 s per address") })
        #expect(screen.contains { $0.contains("sqli") && $0.contains("query:q 15 · body:note 2") })
        _ = model.update(.down)
        _ = model.update(.down)
        #expect(model.update(.character("a")) == [])
        #expect(model.mode == .confirm(.setRule(name: "sqli", action: "count"), "set sqli to count: matching requests are logged and let through? (y/n)"))
        #expect(Screen.render(model).lines.contains { $0.contains("WAF rules") }, "the view stays behind the question")
        #expect(model.update(.character("y")) == [.perform(.setRule(name: "sqli", action: "count"))])
        #expect(model.mode == .rules, "back in the view after the answer")
        _ = model.update(.down)
        _ = model.update(.character("a"))
        #expect(model.update(.character("n")) == [])
        #expect(model.notes.last == "cancelled" && model.mode == .rules)
        _ = model.update(.escape)
        #expect(model.mode == .normal)
        var readOnly = Fixtures.model()
        readOnly.readOnly = true
        _ = readOnly.update(.character("w"))
        #expect(readOnly.update(.character("a")) == [] && readOnly.mode == .rules)
    }

    /// Every new view at 80×24 and 120×40, colour and none.
    @Test(arguments: [(80, 24), (120, 40)])
    func newViewsRenderAtBothSizes(_ width: Int, _ height: Int) throws {
        for (key, name) in [("w", "rules"), ("d", "drops"), ("!", "findings"), ("l", "log")] {
            var model = Fixtures.model(key == "l" ? Fixtures.focused(on: .log("")) : Fixtures.full, width: width, height: height)
            _ = model.update(.character(Character(key)))
            let coloured = Screen.render(model)
            try ScreenTests().check("\(name)-\(width)x\(height)", coloured)
            model.colour = false
            let plain = Screen.render(model)
            #expect(plain.lines == coloured.lines, "NO_COLOR changes colours, not text")
            #expect((0..<plain.height).allSatisfy { y in (0..<plain.width).allSatisfy { plain[$0, y].style == plain[$0, y].style.colourless } })
        }
    }

    /// Peers' log pane (k9s `l` with `/`): the audit trail and the shop's lines, newest first, searched.
    @Test func theLogViewSearchesTheAuditTrailAndTheShopsLines() {
        var model = Fixtures.model(Fixtures.focused(on: .log("")), width: 120, height: 40)
        _ = model.update(.character("l"))
        #expect(model.mode == .log && model.dashboardFocus == .log(""))
        let lines = LogView.lines(model)
        #expect(lines.dropFirst(2).first?.hasSuffix("warning core         cannot read the drops for the console's flash-sale view") == true, "\(lines)")
        #expect(lines.contains { $0.contains("audit   admin        waf.block: blocked 203.0.113.0/24") })
        _ = model.update(.character("/"))
        for character in "waf" { _ = model.update(.character(character)) }
        #expect(Screen.render(model).line(39).hasPrefix("search the log: waf"))
        _ = model.update(.enter)
        #expect(model.mode == .log && model.logSearch == "waf")
        #expect(model.dashboardFocus == .log("waf"), "the shop is asked for that search")
        #expect(LogView.lines(model).contains("  loading…"), "until the snapshot carries it")
        _ = model.update(.character("l"))
        #expect(model.mode == .normal && model.dashboardFocus != .log("waf"))
        #expect(DashboardFocus(parameter: "log:") == .log("") && DashboardFocus(parameter: "log:waf") == .log("waf"))
    }
}
