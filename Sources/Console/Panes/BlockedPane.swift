import Dashboard

/// Blocked IPs: the WAF's IP set (manual blocks and the rate rules' automatic ones), and `u` to unblock.
struct BlockedPane: ConsolePane {
    let pane = Pane.blocked
    let title = "Blocked IPs"
    let emptyText = "no address is blocked"

    func rows(_ snapshot: DashboardSnapshot, ascii: Bool) -> PaneRows {
        let now = snapshot.takenAt
        // At 80 columns the pane is 38 wide: address, source and expiry fit there; hits, age and reason follow
        // as the pane widens (expiry used to be the first to go, the one an operator most needs).
        var rows = PaneRows(columns: [.init("ip/cidr", width: 16), .init("source", width: 10), .init("expires", width: 7, rightAligned: true),
                                      .init("hits", width: 5, rightAligned: true, optional: true),
                                      .init("since", width: 5, rightAligned: true, optional: true), .init("reason", optional: true)],
                            cells: snapshot.blocked.map {
                                [Self.shortCIDR($0.cidr), $0.source, $0.expires.map { Format.age($0.timeIntervalSince(now)) } ?? "never", "\($0.hits)",
                                 Format.age(now.timeIntervalSince($0.since)), $0.reason]
                            }, keys: snapshot.blocked.map(\.cidr))
        // Automatic blocks (a rate rule, a repeat offender) in yellow; an operator's in the plain colour.
        for (index, row) in snapshot.blocked.enumerated() where row.source != "manual" { rows.styles[index] = Style(foreground: .yellow) }
        return rows
    }

    /// A single address without its `/32` or `/128`: the address is what the operator reads.
    static func shortCIDR(_ cidr: String) -> String {
        for suffix in ["/32", "/128"] where cidr.hasSuffix(suffix) { return String(cidr.dropLast(suffix.count)) }
        return cidr
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
