import Dashboard
import Foundation

/// Recommendations: the model in service and its quality against popularity, the best sellers, what is
/// trending, and what is bought together with the selected best seller.
struct RecommendationsPane: ConsolePane {
    let pane = Pane.recommendations
    let title = "Recommendations"
    let emptyText = "no sales yet"

    func rows(_ snapshot: DashboardSnapshot, ascii: Bool) -> PaneRows {
        let items = snapshot.recommender.topSellers
        return PaneRows(columns: [.init("best seller"), .init("buyers", width: 7, rightAligned: true)],
                        cells: items.map { [$0.name, "\(Int($0.value))"] }, keys: items.map(\.productId))
    }

    func detailFocus(key: String) -> DashboardFocus? { .product(key) }

    func detailLines(_ model: ConsoleModel, _ snapshot: DashboardSnapshot, key: String) -> [String] {
        let product = snapshot.recommender.topSellers.first { $0.productId == key }
        return ["product   \(key)", "name      \(product?.name ?? "")", "buyers    \(Int(product?.value ?? 0))", "", "bought together:"]
            + Overlays.focused(model, .product(key)) { detail in
                detail.boughtTogether.isEmpty ? ["  nothing yet (no model, or never bought with others)"]
                    : detail.boughtTogether.map { String(format: "  %.2f  ", $0.value) + $0.name }
            }
    }

    func draw(_ model: ConsoleModel, _ rows: PaneRows, into canvas: inout Canvas, _ area: Rect, focused: Bool) {
        guard let snapshot = model.snapshot else { return }
        let pane = snapshot.recommender
        let summary: String
        if let version = pane.modelVersion {
            let quality = pane.ndcgModel.map { String(format: "NDCG@10 %.3f", $0) } ?? "unevaluated"
            let baseline = pane.ndcgPopularity.map { String(format: " vs popularity %.3f", $0) } ?? ""
            let age = pane.trainedAt.map { " · trained " + Format.age(snapshot.takenAt.timeIntervalSince($0)) + " ago" } ?? ""
            summary = "model v\(version) \(pane.algorithm ?? "") · \(quality)\(baseline)\(age)"
        } else {
            summary = "no model yet: shoppers get best sellers"
        }
        canvas.write(TextWidth.truncate(summary, to: area.width, ascii: model.ascii), x: area.x, y: area.y, style: Style(bold: true), limit: area.width)
        var tables = area.splitTop(1).rest
        if let earned = Self.earned(pane), tables.height > 6 {
            canvas.write(TextWidth.truncate(earned, to: area.width, ascii: model.ascii), x: area.x, y: tables.y, style: Style(), limit: area.width)
            tables = tables.splitTop(1).rest
        }
        let (left, right) = tables.splitLeft(tables.width * 3 / 5)
        table(model, rows).draw(into: &canvas, Rect(x: left.x, y: left.y, width: left.width - 1, height: left.height), focused: focused)
        // "rise": how far the last 10 minutes stand above the hour before (see TrendTracker.trending).
        var trending = Table(columns: [.init("trending"), .init("rise", width: 5, rightAligned: true)],
                             rows: pane.trending.map { [$0.name, String(format: "%.1f", $0.value)] })
        trending.emptyText = "nothing rising in 10 min"
        // Trending stays where it is whether or not the pane has the focus (focusing it swapped in another
        // table; issue 21); bought-together joins it when there is room, and is always in the detail (Enter).
        if right.height >= 8 {
            let (upper, lower) = right.splitTop(right.height / 2)
            trending.draw(into: &canvas, upper, focused: false)
            boughtTogether(model, selected: rows).draw(into: &canvas, lower, focused: false)
        } else {
            trending.draw(into: &canvas, right, focused: false)
        }
    }

    /// What the recommendations earned, newest version first: items shown, cart adds and orders that followed
    /// within the window, revenue, and orders per 1,000 items shown.
    static func earned(_ pane: DashboardSnapshot.RecommenderPane) -> String? {
        guard let earnings = pane.earnings, !earnings.isEmpty else { return nil }
        let parts = earnings.prefix(2).map { figures in
            let name = figures.version == 0 ? "best sellers" : "v\(figures.version)"
            let rate = figures.impressions > 0 ? String(format: " %.1f/1k shown", Double(figures.orders) * 1000 / Double(figures.impressions)) : ""
            return "\(name) \(figures.orders)\(rate) \(Format.money(figures.revenue)) \(figures.cartAdds) carts"
        }
        let whole = pane.confirmedOrders.map { " of \($0)" } ?? ""
        return "orders earned\(whole): " + parts.joined(separator: " · ")
    }

    /// What is bought together with the selected best seller, once the snapshot carries it.
    private func boughtTogether(_ model: ConsoleModel, selected rows: PaneRows) -> Table {
        let row = model.selectedRow(.recommendations, in: rows) ?? 0
        let name = rows.cells.indices.contains(row) ? rows.cells[row][0] : "…"
        var table = Table(columns: [.init("with " + name), .init("sim", width: 4, rightAligned: true)], rows: [])
        if let detail = model.snapshot?.focused, case .product(let id) = detail.focus, rows.keys.indices.contains(row), rows.keys[row] == id {
            table = Table(columns: table.columns, rows: detail.boughtTogether.map { [$0.name, String(format: "%.2f", $0.value)] })
            table.emptyText = "no model yet, or never bought with others"
        } else {
            table.emptyText = rows.cells.isEmpty ? "select a best seller" : "…"
        }
        return table
    }
}
