import Dashboard
import Foundation
import Testing
@testable import Console

/// Whole-screen snapshots compared with `Snapshots/*.txt`; `SHOPDECK_RECORD_SNAPSHOTS=1 swift test --filter
/// ScreenTests` rewrites them after a deliberate change (read the diff before committing it).
@Suite struct ScreenTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")

    func check(_ name: String, _ canvas: Canvas) throws {
        let text = canvas.lines.joined(separator: "\n") + "\n"
        let file = Self.directory.appendingPathComponent(name + ".txt")
        if ProcessInfo.processInfo.environment["SHOPDECK_RECORD_SNAPSHOTS"] == "1" {
            try text.write(to: file, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: file, encoding: .utf8)
        #expect(text == expected, "\(name) differs from Snapshots/\(name).txt:\n\(text)")
    }

    @Test(arguments: [(80, 24), (160, 48)])
    func everyPaneEmptyAndFull(_ width: Int, _ height: Int) throws {
        try check("empty-\(width)x\(height)", Screen.render(Fixtures.model(Fixtures.empty, width: width, height: height)))
        try check("full-\(width)x\(height)", Screen.render(Fixtures.model(width: width, height: height)))
        try check("starting-\(width)x\(height)", Screen.render(Fixtures.model(nil, width: width, height: height)))
    }

    /// On a backend whose figures are partial (SQS's approximate counts, one instance's runs), the panes say
    /// so beside their titles; on the embedded backend nothing is added.
    @Test func panesSayWhenTheirFiguresArePartial() {
        var snapshot = Fixtures.full
        snapshot.paneNotes = ["Queues": "SQS counts, approximate", "Sagas": "this instance's runs"]
        let text = Screen.render(Fixtures.model(snapshot, width: 160, height: 48)).lines.joined(separator: "\n")
        #expect(text.contains("Queues · SQS counts, approximate"))
        #expect(text.contains("Sagas · this instance's runs"))
        let plain = Screen.render(Fixtures.model(width: 160, height: 48)).lines.joined(separator: "\n")
        #expect(!plain.contains("approximate") && !plain.contains("this instance"))
    }

    @Test func colourIsDroppedWithNoColourAndTheTextStaysTheSame() {
        let coloured = Screen.render(Fixtures.model())
        let plain = Screen.render(Fixtures.model(colour: false))
        #expect(coloured.lines == plain.lines)
        #expect(coloured[0, 0].style.background == .cyan)
        #expect(plain[0, 0].style.background == nil && plain[0, 0].style.bold)
        #expect((0..<plain.height).allSatisfy { y in (0..<plain.width).allSatisfy { plain[$0, y].style.foreground == nil } })
    }

    @Test func asciiModeDrawsWithoutLineDrawingOrBlocks() throws {
        var model = Fixtures.model()
        model.ascii = true
        let canvas = Screen.render(model)
        #expect(canvas.lines.allSatisfy { line in !line.contains("─") && !line.contains("│") && !line.contains("▁") && !line.contains("✓") })
        #expect(canvas.lines.contains { $0.contains("++++++") }, "a succeeded run's steps in ASCII")
        #expect(canvas.line(1).hasPrefix("+ 1 Traffic "))
    }

    @Test func overlaysAndPromptsAreDrawn() throws {
        var model = Fixtures.model()
        model.mode = .help
        try check("help-80x24", Screen.render(model))
        model.mode = .normal
        model.focus = .sagas
        model.openDetail()
        try check("detail-sagas-80x24", Screen.render(model))
        model.mode = .confirm(.unblock(cidr: "127.0.9.2/32"), "unblock 127.0.9.2/32? (y/n)")
        #expect(Screen.render(model).line(23).hasPrefix("unblock 127.0.9.2/32? (y/n)"))
        model.mode = .blockPrompt(step: 1, cidr: "10.0.0.1", reason: "", text: "scrap")
        #expect(Screen.render(model).line(23).hasPrefix("reason for blocking 10.0.0.1: scrap▏"))
    }

    @Test func detailViewsShowAClientsRequestsAndVerdictsAQueuesOldestMessagesAndWhatIsBoughtTogether() throws {
        var model = Fixtures.model(Fixtures.focused(on: .client("127.0.3.17")))
        model.openDetail()
        #expect(model.dashboardFocus == .client("127.0.3.17"))
        try check("detail-client-80x24", Screen.render(model))
        let client = Screen.render(model).lines.joined(separator: "\n")
        #expect(client.contains("403 GET /api/products/{id}") && client.contains("sqli block GET /api/products?q=1'+OR+'1'='1"))

        model = Fixtures.model(Fixtures.focused(on: .queue("checkout")), width: 160, height: 48)
        model.focus = .queues
        model.select(row: 1)
        model.openDetail()
        #expect(model.dashboardFocus == .queue("checkout"))
        try check("detail-queue-160x48", Screen.render(model))
        #expect(Screen.render(model).lines.contains { $0.contains("1m   in-flight 3× {\"orderId\":\"o-81\"") })

        model = Fixtures.model(width: 160, height: 48)
        model.focus = .recommendations
        #expect(model.dashboardFocus == .product("p12"), "the selected best seller, without opening a detail view")
        let pane = Screen.render(model).lines.joined(separator: "\n")
        #expect(pane.contains("with Organic Sencha") && pane.contains("Tea strainer, steel") && pane.contains("Yuzu gummies"),
                "bought together below trending when the pane is tall enough")
        model.width = 80
        model.height = 24
        model.openDetail()
        try check("detail-product-80x24", Screen.render(model))

        // Another product's detail: its rows are not in this snapshot yet, so the view says it is loading them.
        model.mode = .normal
        model.select(row: 1)
        model.openDetail()
        #expect(model.dashboardFocus == .product("p7"))
        #expect(Screen.render(model).lines.contains { $0.contains("loading…") })
        model.focus = .sagas
        #expect(model.dashboardFocus == .product("p7"), "a run's detail is in every snapshot; the pane's bought-together stays asked for")
        model.mode = .normal
        model.focus = .traffic
        #expect(model.dashboardFocus == .product("p7"), "whichever pane has the focus")
    }

    @Test func belowTheMinimumItSaysSo() {
        let canvas = Screen.render(Fixtures.model(width: 60, height: 20))
        #expect(canvas.line(0).hasPrefix("terminal too small: 60×20, shopdeck needs at least 80×24"))
    }

    @Test func theLayoutFillsTheScreenWithoutOverlap() {
        for (width, height) in [(80, 24), (120, 40), (160, 48), (203, 61)] {
            let layout = Screen.Layout(width: width, height: height)
            var covered = Set<Int>()
            for rect in [layout.header, layout.events, layout.prompt] + Array(layout.panes.values) {
                for y in rect.y..<rect.maxY { for x in rect.x..<rect.maxX { #expect(covered.insert(y * width + x).inserted, "\(width)×\(height) overlap at \(x),\(y)") } }
            }
            #expect(covered.count == width * height, "\(width)×\(height) leaves cells uncovered")
        }
    }
}
