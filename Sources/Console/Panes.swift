import Dashboard
import Foundation

/// The panes that are more than one table: Traffic (sparkline, status mix, latency, busiest routes and
/// clients) and Recommendations (the model and its quality, best sellers, trending).
enum Panes {
    static func emptyText(_ pane: Pane) -> String {
        switch pane {
        case .traffic: "no requests yet"
        case .blocked: "no address is blocked"
        case .queues: "no queues"
        case .sagas: "no runs yet"
        case .recommendations: "no sales yet"
        }
    }

    static func traffic(_ model: ConsoleModel, _ rows: PaneRows, into canvas: inout Canvas, _ area: Rect, focused: Bool) {
        guard let traffic = model.snapshot?.traffic else { return }
        let rateText = " " + Format.rate(traffic.currentRate) + " req/s"
        let sparkWidth = max(1, area.width - TextWidth.of(rateText))
        canvas.write(Sparkline.render(Array(traffic.requestsPerSecond.dropLast()), width: sparkWidth, ascii: model.ascii), x: area.x, y: area.y,
                     style: Style(foreground: .green), limit: sparkWidth)
        canvas.write(rateText, x: area.x + sparkWidth, y: area.y, style: Style(bold: true))
        let mix = ["2xx", "3xx", "4xx", "5xx"].map { "\($0) \(traffic.statusMix[$0] ?? 0)" }.joined(separator: "  ")
        let latency = [("p50", traffic.p50Microseconds), ("p95", traffic.p95Microseconds), ("p99", traffic.p99Microseconds)]
            .map { "\($0.0) \($0.1.map(milliseconds) ?? "-")" }.joined(separator: " ")
        canvas.write(TextWidth.truncate(mix + "   " + latency, to: area.width, ascii: model.ascii), x: area.x, y: area.y + 1, limit: area.width)
        let tables = area.splitTop(2).rest
        let (left, right) = tables.splitLeft(tables.width / 2)
        let routes = Table(columns: [.init("route"), .init("req/min", width: 8, rightAligned: true)],
                           rows: traffic.topRoutes.map { [$0.name, "\($0.count)"] })
        routes.draw(into: &canvas, Rect(x: left.x, y: left.y, width: left.width - 1, height: left.height), focused: false)
        var clients = Table(columns: rows.columns, rows: rows.cells, selected: rows.cells.isEmpty ? nil : model.selection[.traffic] ?? 0)
        clients.emptyText = emptyText(.traffic)
        clients.draw(into: &canvas, right, focused: focused)
    }

    static func recommendations(_ model: ConsoleModel, _ rows: PaneRows, into canvas: inout Canvas, _ area: Rect, focused: Bool) {
        guard let pane = model.snapshot?.recommender else { return }
        let summary: String
        if let version = pane.modelVersion {
            let quality = pane.ndcgModel.map { String(format: "NDCG@10 %.3f", $0) } ?? "unevaluated"
            let baseline = pane.ndcgPopularity.map { String(format: " vs popularity %.3f", $0) } ?? ""
            let age = pane.trainedAt.map { " · trained " + Format.age(model.snapshot!.takenAt.timeIntervalSince($0)) + " ago" } ?? ""
            summary = "model v\(version) \(pane.algorithm ?? "") · \(quality)\(baseline)\(age)"
        } else {
            summary = "no model yet: shoppers get best sellers"
        }
        canvas.write(TextWidth.truncate(summary, to: area.width, ascii: model.ascii), x: area.x, y: area.y, style: Style(bold: true), limit: area.width)
        let tables = area.splitTop(1).rest
        let (left, right) = tables.splitLeft(tables.width * 3 / 5)
        var sellers = Table(columns: rows.columns, rows: rows.cells, selected: rows.cells.isEmpty ? nil : model.selection[.recommendations] ?? 0)
        sellers.emptyText = emptyText(.recommendations)
        sellers.draw(into: &canvas, Rect(x: left.x, y: left.y, width: left.width - 1, height: left.height), focused: focused)
        var trending = Table(columns: [.init("trending"), .init("score", width: 5, rightAligned: true)],
                             rows: pane.trending.map { [$0.name, String(format: "%.1f", $0.value)] })
        trending.emptyText = "nothing rising"
        let together = boughtTogether(model, selected: rows)
        if right.height >= 8 {
            let (upper, lower) = right.splitTop(right.height / 2)
            trending.draw(into: &canvas, upper, focused: false)
            together.draw(into: &canvas, lower, focused: false)
        } else if focused {
            together.draw(into: &canvas, right, focused: false)
        } else {
            trending.draw(into: &canvas, right, focused: false)
        }
    }

    /// What is bought together with the selected best seller, once the snapshot carries it.
    static func boughtTogether(_ model: ConsoleModel, selected rows: PaneRows) -> Table {
        let row = model.selection[.recommendations] ?? 0
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

    static func milliseconds(_ microseconds: UInt64) -> String {
        microseconds < 10_000 ? String(format: "%.1fms", Double(microseconds) / 1000) : "\(microseconds / 1000)ms"
    }
}
