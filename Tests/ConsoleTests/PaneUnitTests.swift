import Dashboard
import Testing
@testable import Console

/// The panes as units: each registered once, in focus order, and each the one source of its title, rows,
/// detail and keys.
@Suite struct PaneUnitTests {
    @Test func everyPaneIsRegisteredOnceInFocusOrder() {
        #expect(ConsolePanes.all.map(\.pane) == Pane.allCases)
        #expect(Set(ConsolePanes.all.map(\.title)).count == Pane.allCases.count)
        for pane in Pane.allCases { #expect(pane.title == ConsolePanes.unit(pane).title) }
    }

    /// A pane's own keys are in the help and the hint bar, and no two bindings anywhere share a key.
    @Test func eachPanesKeysAreListedAndNoKeyIsTakenTwice() {
        let model = Fixtures.model()
        for binding in ConsolePanes.bindings {
            #expect(model.helpLines.contains { $0.hasPrefix(binding.label + " ") && $0.contains(binding.help[0]) })
            if let hint = binding.hint { #expect(model.hintBar.contains("\(binding.label) \(hint)")) }
        }
        let keys = ConsoleModel.bindings.flatMap(\.keys)
        #expect(keys.count == Set(keys.map { "\($0)" }).count)
    }

    /// What each pane lists, details and asks the shop for comes from its unit: the rows' keys name what the
    /// detail view and the row's actions act on.
    @Test func eachPaneListsDetailsAndFocusesItsOwnRows() {
        let snapshot = Fixtures.model().snapshot!
        for unit in ConsolePanes.all {
            let rows = unit.rows(snapshot, ascii: false)
            #expect(rows.cells.count == rows.keys.count, "\(unit.title)")
            #expect(rows.cells.allSatisfy { $0.count == rows.columns.count }, "\(unit.title)")
            guard let key = rows.keys.first else {
                Issue.record("the fixture has no rows in \(unit.title)")
                continue
            }
            var model = Fixtures.model()
            model.focus = unit.pane
            model.openDetail()
            #expect(!unit.detailLines(model, snapshot, key: key).isEmpty, "\(unit.title)")
            #expect(model.dashboardFocus == unit.detailFocus(key: key) ?? model.dashboardFocusWithoutDetail, "\(unit.title)")
        }
    }
}

extension ConsoleModel {
    /// What the snapshot is asked for when no detail view needs more (the selected best seller).
    var dashboardFocusWithoutDetail: DashboardFocus? {
        var model = self
        model.mode = .normal
        return model.dashboardFocus
    }
}
