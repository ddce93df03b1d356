import Dashboard
import Foundation

/// Traffic: requests per second (sparkline), status mix and latency, the busiest routes, and the busiest
/// clients — the list an operator selects from to look at or block an address.
struct TrafficPane: ConsolePane {
    let pane = Pane.traffic
    let title = "Traffic"
    let emptyText = "no requests yet"

    func rows(_ snapshot: DashboardSnapshot, ascii: Bool) -> PaneRows {
        let clients = snapshot.traffic.topClients
        let window = TrafficWindow(seconds: snapshot.traffic.windowSeconds)
        return PaneRows(columns: [.init("client"), .init(window.countTitle, width: 8, rightAligned: true)],
                        cells: clients.map { [$0.name, "\($0.count)"] }, keys: clients.map(\.name))
    }

    func detailFocus(key: String) -> DashboardFocus? { .client(key) }

    func detailLines(_ model: ConsoleModel, _ snapshot: DashboardSnapshot, key: String) -> [String] {
        let count = snapshot.traffic.topClients.first { $0.name == key }?.count ?? 0
        let block = snapshot.blocked.first { $0.cidr.hasPrefix(key + "/") }
        return ["client    \(key)", "requests  \(count) in the last 60 s",
                "blocked   \(block.map { "yes (\($0.source)): \($0.reason)" } ?? "no")", "b blocks it", ""]
            + Overlays.clientActivity(model, key)
    }

    func draw(_ model: ConsoleModel, _ rows: PaneRows, into canvas: inout Canvas, _ area: Rect, focused: Bool) {
        guard let traffic = model.snapshot?.traffic else { return }
        let window = TrafficWindow(seconds: traffic.windowSeconds)
        let rateText = " " + Format.rate(traffic.currentRate) + " req/s" + (window == .minute ? "" : " · last " + window.label)
        let sparkWidth = max(1, area.width - TextWidth.of(rateText))
        canvas.write(Sparkline.render(Array(traffic.requestsPerSecond.dropLast()), width: sparkWidth, ascii: model.ascii), x: area.x, y: area.y,
                     style: Style(foreground: .green), limit: sparkWidth)
        canvas.write(rateText, x: area.x + sparkWidth, y: area.y, style: Style(bold: true))
        // Classes other than 2xx only when they occurred: `3xx 0` took room the sign-in latency needs at 80 columns.
        let mix = ["2xx", "3xx", "4xx", "5xx"].filter { $0 == "2xx" || (traffic.statusMix[$0] ?? 0) > 0 }
            .map { "\($0) \(traffic.statusMix[$0] ?? 0)" }.joined(separator: "  ")
        let latency = [("p50", traffic.p50Microseconds), ("p95", traffic.p95Microseconds), ("p99", traffic.p99Microseconds)]
            .map { "\($0.0) \($0.1.map(Format.milliseconds) ?? "-")" }.joined(separator: " ")
        // Sign-ups and sign-ins hash a password on purpose: their latency is shown apart and says why.
        let signIn = traffic.signInP99Microseconds.map { "   sign-in p99 \(Format.milliseconds($0)) (password hashing)" } ?? ""
        let figures = mix + "   " + latency
        let line = TextWidth.of(figures + signIn) <= area.width ? figures + signIn
            : figures + (traffic.signInP99Microseconds.map { "  sign-in \(Format.milliseconds($0))" } ?? "")
        canvas.write(TextWidth.truncate(line, to: area.width, ascii: model.ascii), x: area.x, y: area.y + 1, limit: area.width)
        let tables = area.splitTop(2).rest
        let (left, right) = tables.splitLeft(tables.width / 2)
        let routes = Table(columns: [.init("route"), .init(window.countTitle, width: 8, rightAligned: true)],
                           rows: traffic.topRoutes.map { [$0.name, "\($0.count)"] })
        routes.draw(into: &canvas, Rect(x: left.x, y: left.y, width: left.width - 1, height: left.height), focused: false)
        let clients = table(model, rows)
        clients.draw(into: &canvas, right, focused: focused)
        markContinuation(of: clients, in: right, on: &canvas)
    }
}
