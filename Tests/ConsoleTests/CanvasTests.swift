import Dashboard
import Testing
@testable import Console

@Suite struct TextWidthTests {
    @Test(arguments: [("a", 1), ("é", 1), ("e\u{301}", 1), ("日", 2), ("ｶ", 1), ("Ａ", 2), ("한", 2), ("😀", 2), ("☕", 2), ("❤️", 2), ("\t", 0)])
    func graphemesTakeTheirColumns(_ text: String, _ columns: Int) {
        #expect(TextWidth.of(Character(text)) == columns, "\(text)")
    }

    @Test func textIsCutWithAnEllipsisAndPadded() {
        #expect(TextWidth.of("抹茶 tea") == 8)
        #expect(TextWidth.truncate("Sencha green tea", to: 8) == "Sencha …")
        #expect(TextWidth.truncate("Sencha green tea", to: 8, ascii: true) == "Sencha ~")
        #expect(TextWidth.truncate("抹茶抹茶", to: 5) == "抹茶…", "a wide grapheme that would cross the edge is left out")
        #expect(TextWidth.truncate("short", to: 10) == "short")
        #expect(TextWidth.fit("42", to: 5, rightAligned: true) == "   42")
        #expect(TextWidth.fit("抹茶", to: 6) == "抹茶  ")
    }
}

@Suite struct CanvasTests {
    @Test func writingIsClippedAndWideGraphemesTakeTwoCells() {
        var canvas = Canvas(width: 10, height: 2)
        #expect(canvas.write("抹茶 tea and more", x: 1, y: 0) == 9)
        #expect(canvas.line(0) == " 抹茶 tea ")
        #expect(canvas[2, 0].text == "" && canvas[1, 0].text == "抹")
        canvas.write("xy", x: 2, y: 0)
        #expect(canvas.line(0) == "  xy  tea ", "overwriting half of 抹 or 茶 blanks the other half")
        #expect(canvas.write("日本", x: 8, y: 1) == 2)
        #expect(canvas.line(1) == "        日")
        #expect(canvas.write("off", x: 0, y: 5) == 0)
    }

    @Test func boxesInUnicodeAndASCII() {
        var canvas = Canvas(width: 12, height: 3)
        canvas.box(canvas.bounds, title: "Traffic")
        #expect(canvas.lines == ["┌ Traffic ─┐", "│          │", "└──────────┘"])
        var plain = Canvas(width: 12, height: 3, ascii: true)
        plain.box(plain.bounds, title: "Blocked IPs")
        #expect(plain.lines == ["+ Blocked~ +", "|          |", "+----------+"])
    }

    @Test func onlyChangedRowsAreRedrawn() {
        var before = Canvas(width: 8, height: 3)
        before.write("hello", x: 0, y: 1)
        var after = before
        after.write("j", x: 0, y: 1)
        after.write("!", x: 5, y: 1)
        let changes = after.changes(since: before)
        #expect(changes.count == 1)
        #expect(changes.first?.y == 1 && changes.first?.from == 0 && changes.first?.to == 5)
        #expect(after.changes(since: after).isEmpty)
        #expect(after.changes(since: Canvas(width: 9, height: 3)).count == 3, "a resize redraws everything")
        var styled = after
        styled[0, 2] = Cell(" ", style: Style(reverse: true))
        #expect(styled.changes(since: after).map(\.y) == [2], "a style change alone counts")
    }
}

@Suite struct WidgetTests {
    @Test func sparklinesScaleToTheirMaximum() {
        #expect(Sparkline.render([0, 1, 2, 4, 8], width: 5) == " ▂▃▅█")
        #expect(Sparkline.render([0, 1, 2, 4, 8], width: 7) == "   ▂▃▅█", "padded on the left: the newest value is always on the right")
        #expect(Sparkline.render([5, 5], width: 3, ascii: true) == " @@")
        #expect(Sparkline.render([], width: 3) == "   ")
    }

    @Test func tablesFitColumnsScrollToTheSelectionAndSayWhenEmpty() {
        var table = Table(columns: [.init("ip", width: 12), .init("reason"), .init("hits", width: 5, rightAligned: true)],
                          rows: (1...6).map { ["203.0.113.\($0)", "scraping the catalog", "\($0 * 10)"] }, selected: 4)
        var canvas = Canvas(width: 30, height: 4)
        table.draw(into: &canvas, canvas.bounds)
        #expect(canvas.lines == ["ip           reason       hits", "203.0.113.3  scraping t…    30",
                                 "203.0.113.4  scraping t…    40", "203.0.113.5  scraping t…    50"])
        #expect(canvas[0, 3].style.reverse && !canvas[0, 2].style.reverse, "the selected row stands out")
        table.rows = []
        var empty = Canvas(width: 30, height: 3)
        table.draw(into: &empty, empty.bounds)
        #expect(empty.line(1).hasPrefix("nothing yet"))
    }
}

@Suite struct CanvasSafetyTests {
    /// Nothing a client sent reaches the terminal as a control or format character, even inside a grapheme.
    @Test func controlAndFormatScalarsAreNeverDrawn() {
        var canvas = Canvas(width: 20, height: 1)
        canvas.write("a\u{1B}[31mb\u{202E}c\u{200B}d\u{301}\u{7}", x: 0, y: 0)
        let drawn = (0..<20).map { canvas[$0, 0].text }.joined()
        #expect(!drawn.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || $0.properties.generalCategory == .format })
        #expect(drawn.hasPrefix("a[31mbcd\u{301}"))
    }
}
