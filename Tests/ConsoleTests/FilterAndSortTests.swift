import Dashboard
import Foundation
import Testing
@testable import Console

/// k9s's filter and sort (issue 21): regular expressions, `column:value`, `!` to invert; `<` `>` `~` to sort.
@Suite struct FilterAndSortTests {
    func keys(_ pane: Pane, _ filter: String?, sort: RowSort? = nil) -> [String] {
        PaneRows.of(pane, Fixtures.full, filter: filter, sort: sort).keys
    }

    @Test func filtersAreRegularExpressionsColumnsOrInverted() {
        #expect(keys(.blocked, "^127\\.0\\.(66|9)\\.") == ["127.0.66.6/32", "127.0.9.2/32"], "a regular expression")
        #expect(keys(.blocked, "MANUAL") == ["203.0.113.0/24"], "case-insensitive")
        #expect(keys(.blocked, "source:rate") == ["127.0.9.2/32"], "one column")
        #expect(keys(.blocked, "reason:rate") == ["127.0.9.2/32"], "another column: 'over rate-limit's limit'")
        #expect(keys(.blocked, "!source:manual") == ["127.0.66.6/32", "127.0.9.2/32"], "inverted")
        #expect(keys(.blocked, "!") == ["127.0.66.6/32", "127.0.9.2/32", "203.0.113.0/24"], "nothing to invert")
        #expect(keys(.queues, "(dlq") == [], "not an expression: matched as text")
        #expect(keys(.sagas, "state:compensated") == ["4f1c2a9e-0000"])
        #expect(keys(.blocked, "nosuchcolumn:x") == [], "an unknown column is part of the text")
    }

    @Test func sortingOrdersNumbersAndAgesByValueAndKeepsTheSelection() {
        #expect(keys(.queues, nil, sort: RowSort(column: 1)) == ["drop-entries.fifo", "checkout", "analytics"], "vis 0, 3, 12")
        #expect(keys(.queues, nil, sort: RowSort(column: 4, descending: true)) == ["checkout", "analytics", "drop-entries.fifo"], "old 1m, 2s, 0s")
        #expect(keys(.blocked, nil, sort: RowSort(column: 2)) == ["127.0.9.2/32", "127.0.66.6/32", "203.0.113.0/24"], "expires 4m, 10m, never")
        var model = Fixtures.model()
        _ = model.update(.character("2"))
        _ = model.update(.down)
        let chosen = model.selectedKey
        _ = model.update(.character(">"))
        #expect(model.sorts[.blocked] == RowSort(column: 0))
        _ = model.update(.character("~"))
        #expect(model.sorts[.blocked] == RowSort(column: 0, descending: true))
        #expect(model.rows(.blocked).keys == ["203.0.113.0/24", "127.0.9.2/32", "127.0.66.6/32"])
        #expect(model.selectedKey == chosen, "the selection stays on its row's item")
        _ = model.update(.character("<"))
        #expect(model.sorts[.blocked]?.column == model.rows(.blocked).columns.count - 1, "back around to the last column")
        #expect(Screen.render(model).lines.contains { $0.contains("2 Blocked IPs ↕") }, "the title says how the pane is sorted")
    }

    /// Issue 22: the A/B split from the command line.
    @Test func theSplitHasACommand() throws {
        #expect(try CommandLineParser.parse("split 20").get() == .perform(.splitShoppers(percent: 20)))
        #expect(try CommandLineParser.parse("split 50%").get() == .perform(.splitShoppers(percent: 50)))
        #expect(try CommandLineParser.parse("split 0").get() == .perform(.splitShoppers(percent: 0)))
        for bad in ["split", "split 51", "split -1", "split half", "split 10 20"] {
            #expect(CommandLineParser.parse(bad).failureMessage?.hasPrefix("usage: split PERCENT") == true, "\(bad)")
        }
    }

    /// Bulk decisions and the allowlist from the command line (CrowdSec's `cscli decisions`, fail2ban's `ignoreip`).
    @Test func bulkUnblockAndTheAllowlistHaveCommands() throws {
        #expect(try CommandLineParser.parse("unblock-all source=rate-limit within=203.0.113.0/24").get()
                == .perform(.unblockMatching(source: "rate-limit", within: "203.0.113.0/24")))
        #expect(try CommandLineParser.parse("unblock-all within=10.0.0.0/8").get() == .perform(.unblockMatching(source: nil, within: "10.0.0.0/8")))
        #expect(CommandLineParser.parse("unblock-all").failureMessage == "usage: unblock-all [source=NAME] [within=CIDR] (one or both)")
        #expect(CommandLineParser.parse("unblock-all everything").failureMessage == "usage: unblock-all [source=NAME] [within=CIDR]")
        #expect(try CommandLineParser.parse("allow 192.0.2.0/24 the office").get() == .perform(.allow(cidr: "192.0.2.0/24", reason: "the office")))
        #expect(try CommandLineParser.parse("disallow 192.0.2.0/24").get() == .perform(.disallow(cidr: "192.0.2.0/24")))
        var snapshot = Fixtures.full
        snapshot.allowlist = [.init(cidr: "192.0.2.0/24", reason: "the office", source: "allowlist", hits: 0, since: Fixtures.now, expires: nil)]
        #expect(CommandLineParser.complete("disallow 19", snapshot: snapshot) == "disallow 192.0.2.0/24 ")
        #expect(Screen.render(Fixtures.model(snapshot)).lines.contains { $0.contains("2 Blocked IPs · 1 allowlisted") })
    }
}

extension Result where Failure == CommandLineParser.Problem {
    var failureMessage: String? {
        if case .failure(let problem) = self { return problem.message }
        return nil
    }
}
