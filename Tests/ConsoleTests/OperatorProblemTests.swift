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
}
