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
        #expect(!hints.contains("…") && hints.trimmingCharacters(in: .whitespaces).hasSuffix("command"), "\(hints)")

        model = Fixtures.model(snapshot)
        model.width = 80
        _ = model.update(.character("?"))
        let lastHelpLine = model.helpLines.last ?? "none"
        _ = model.update(.end)
        screen = Screen.render(model).lines
        #expect(screen.contains { $0.contains(lastHelpLine.trimmingCharacters(in: .whitespaces)) })
        #expect(!screen.contains { $0.contains("…│") && $0.contains("simulator") }, "no help line is cut")
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
}
