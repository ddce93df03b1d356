import Dashboard

/// Blocked IPs: the WAF's IP set (manual blocks and the rate rules' automatic ones), and `u` to unblock.
struct BlockedPane: ConsolePane {
    let pane = Pane.blocked
    let title = "Blocked IPs"
    let emptyText = "no address is blocked"

    func rows(_ snapshot: DashboardSnapshot, ascii: Bool) -> PaneRows {
        let now = snapshot.takenAt
        var rows = PaneRows(columns: [.init("ip/cidr", width: 18), .init("source", width: 7), .init("hits", width: 5, rightAligned: true),
                                      .init("expires", width: 7, rightAligned: true, optional: true),
                                      .init("since", width: 5, rightAligned: true, optional: true), .init("reason", optional: true)],
                            cells: snapshot.blocked.map {
                                [$0.cidr, $0.source, "\($0.hits)", $0.expires.map { Format.age($0.timeIntervalSince(now)) } ?? "never",
                                 Format.age(now.timeIntervalSince($0.since)), $0.reason]
                            }, keys: snapshot.blocked.map(\.cidr))
        for (index, row) in snapshot.blocked.enumerated() where row.source == "rate" { rows.styles[index] = Style(foreground: .yellow) }
        return rows
    }

    func detailFocus(key: String) -> DashboardFocus? { .client(key) }

    func detailLines(_ model: ConsoleModel, _ snapshot: DashboardSnapshot, key: String) -> [String] {
        guard let block = snapshot.blocked.first(where: { $0.cidr == key }) else { return [] }
        return ["address   \(block.cidr)", "source    \(block.source)", "reason    \(block.reason)", "hits      \(block.hits)",
                "since     \(Screen.clock(block.since)) UTC", "expires   \(block.expires.map { Screen.clock($0) + " UTC" } ?? "never")",
                "u unblocks it (after a y/n)", ""] + Overlays.clientActivity(model, key)
    }

    var bindings: [KeyBinding] {
        [KeyBinding(label: "u", keys: [.character("u")], hint: "unblock", help: ["unblock the selected address (asks y/n)"], reach: .changesShop) { model, _, _ in
            guard model.focus == .blocked, let cidr = model.selectedKey else {
                model.note("select an address in Blocked IPs (2) to unblock it")
                return []
            }
            model.mode = .confirm(.unblock(cidr: cidr), "unblock \(cidr)? (y/n)")
            return []
        }]
    }
}
