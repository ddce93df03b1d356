import Dashboard

/// One key of the console, defined once: the keys that trigger it, what it does, its line in the help and its
/// word in the hint bar, and whether it changes the shop (hidden and refused on a read-only console) or
/// steers the simulator (hidden where none runs). After k9s's key actions: help and hint bar are generated
/// from this table, so a key cannot be documented in one place and missing in another.
struct KeyBinding: Sendable {
    enum Reach: Sendable {
        /// Looks, moves, filters, quits: always there.
        case view
        /// Changes the shop: refused by a read-only console.
        case changesShop
        /// Steers the simulator beside the console (`demo`).
        case simulator
    }

    /// The keys as the help shows them (`b`, `Up Down / j k`).
    let label: String
    let keys: [Key]
    /// The word in the hint bar after the key, if it has one.
    let hint: String?
    /// The help's description (a first line, then continuation lines).
    let help: [String]
    let reach: Reach
    /// What the key does, given the key pressed and the focused pane's rows.
    let run: @Sendable (inout ConsoleModel, Key, PaneRows) -> [ConsoleCommand]

    func shown(readOnly: Bool, simulator: Bool) -> Bool {
        switch reach {
        case .view: true
        case .changesShop: !readOnly
        case .simulator: simulator
        }
    }
}

extension ConsoleModel {
    /// Every key of the normal mode, in the order the help lists them: looking and moving, the changes that
    /// act anywhere, each pane's own keys (`ConsolePane.bindings`), then the simulator's, help and quit.
    static let bindings: [KeyBinding] = openingBindings + ConsolePanes.bindings + closingBindings

    /// The keys that look, move and change the shop from any pane.
    static let openingBindings: [KeyBinding] = [
        KeyBinding(label: "Tab Shift-Tab 1-5", keys: [.tab, .backTab] + (1...5).map { .character(Character(String($0))) }, hint: nil,
                   help: ["focus a pane"], reach: .view) { model, key, _ in
            switch key {
            case .tab: model.focus = Pane(rawValue: (model.focus.rawValue + 1) % Pane.allCases.count)!
            case .backTab: model.focus = Pane(rawValue: (model.focus.rawValue + Pane.allCases.count - 1) % Pane.allCases.count)!
            case .character(let digit): model.focus = Pane(rawValue: Int(String(digit))! - 1)!
            default: break
            }
            return []
        },
        KeyBinding(label: "Up Down / j k", keys: [.up, .down, .character("j"), .character("k"), .pageUp, .pageDown, .home, .end], hint: nil,
                   help: ["move the selection (PgUp PgDn Home End)"], reach: .view) { model, key, rows in
            switch key {
            case .up, .character("k"): model.move(by: -1, in: rows)
            case .down, .character("j"): model.move(by: 1, in: rows)
            case .pageUp: model.move(by: -10, in: rows)
            case .pageDown: model.move(by: 10, in: rows)
            case .home: model.selection[model.focus] = nil  // the head, followed as the list grows
            default: model.select(row: rows.keys.count - 1, in: rows)
            }
            return []
        },
        KeyBinding(label: "Enter", keys: [.enter], hint: "detail", help: ["details of the selected row;  Esc  back"], reach: .view) { model, _, rows in
            if let key = model.selectedKey { model.mode = .detail(key) } else { model.note("nothing to show in \(model.focus.title)") }
            return []
        },
        KeyBinding(label: "< > ~", keys: [.character("<"), .character(">"), .character("~")], hint: nil,
                   help: ["sort by the previous / next column;  ~  reverse"], reach: .view) { model, key, rows in
            let columns = rows.columns.count
            guard columns > 0 else { return [] }
            var sort = model.sorts[model.focus]
            switch key {
            case .character("~"): sort = sort.map { RowSort(column: $0.column, descending: !$0.descending) } ?? RowSort(column: 0, descending: true)
            case .character(">"): sort = RowSort(column: sort.map { ($0.column + 1) % columns } ?? 0, descending: sort?.descending ?? false)
            default: sort = RowSort(column: sort.map { ($0.column + columns - 1) % columns } ?? columns - 1, descending: sort?.descending ?? false)
            }
            model.sorts[model.focus] = sort
            return []
        },
        KeyBinding(label: "/", keys: [.character("/")], hint: "filter",
                   help: ["filter: a regex, column:value, !inverted"], reach: .view) { model, _, _ in
            model.mode = .filter(model.filters[model.focus] ?? "")
            return []
        },
        KeyBinding(label: ":", keys: [.character(":")], hint: "command",
                   help: ["command line (Tab completes):", "block CIDR [ttl] [reason]   unblock CIDR", "unblock-all [source=NAME] [within=CIDR]",
                          "allow CIDR [reason]   disallow CIDR", "rerun recommendations [failAt=STEP]   split PERCENT",
                          "redrive QUEUE   scenario NAME   rate N   pause   quit"], reach: .view) { model, _, _ in
            model.mode = .command("")
            return []
        },
        KeyBinding(label: "b", keys: [.character("b")], hint: "block", help: ["block an address (asks address, reason, ttl)"], reach: .changesShop) { model, _, _ in
            model.mode = .blockPrompt(step: 0, cidr: "", reason: "", text: model.focus == .traffic ? model.selectedKey ?? "" : "")
            return []
        },
        KeyBinding(label: "r", keys: [.character("r")], hint: "re-run", help: ["re-run the recommendation pipeline"], reach: .changesShop) { _, _, _ in
            [.perform(.rerunPipeline(failAt: nil))]
        },
        KeyBinding(label: "f", keys: [.character("f")], hint: "fail", help: ["re-run it with a failure injected at a step"], reach: .changesShop) { model, _, _ in
            model.mode = .failPrompt("")
            return []
        },
        ]

    /// The keys of the simulator, help and quitting, listed after the panes' own.
    static let closingBindings: [KeyBinding] = [
        KeyBinding(label: "p", keys: [.character("p")], hint: "pause", help: ["pause or resume the simulator"], reach: .simulator) { model, _, _ in
            model.paused.toggle()
            return [.togglePause]
        },
        KeyBinding(label: "s", keys: [.character("s"), .character("+"), .character("="), .character("-")], hint: "scenario",
                   help: ["next simulator scenario", "+ -  simulator faster, slower"], reach: .simulator) { model, key, _ in
            switch key {
            case .character("+"), .character("="): return model.changeRate(by: ConsoleModel.rateStep)
            case .character("-"): return model.changeRate(by: 1 / ConsoleModel.rateStep)
            default:
                let next = ConsoleModel.scenarios[((ConsoleModel.scenarios.firstIndex(of: model.scenario ?? "") ?? -1) + 1) % ConsoleModel.scenarios.count]
                model.scenario = next
                return [.setScenario(next)]
            }
        },
        KeyBinding(label: "w", keys: [.character("w")], hint: "rules", help: ["WAF rules: matches, actions (a: block/count/off)"],
                   reach: .view) { model, _, _ in
            model.mode = .rules
            return []
        },
        KeyBinding(label: "v", keys: [.character("v")], hint: "verdicts", help: ["WAF verdicts; Enter inspects one (b block, a allow)"],
                   reach: .view) { model, _, _ in
            model.mode = .verdicts
            model.verdictSelection = 0
            return []
        },
        KeyBinding(label: "t", keys: [.character("t")], hint: nil, help: ["time window: 1 min, 5 min, 1 h, 24 h (Traffic, rules)"],
                   reach: .view) { model, _, _ in
            model.window = model.window.next
            model.note("Traffic and WAF rules over \(model.window == .minute ? "the sliding minute" : "the last " + model.window.label)")
            return []
        },
        KeyBinding(label: "l", keys: [.character("l")], hint: "log", help: ["log: audit trail and the shop's lines;  /  search"],
                   reach: .view) { model, _, _ in
            model.mode = .log
            return []
        },
        KeyBinding(label: "d", keys: [.character("d")], hint: "drops", help: ["flash sales, live: entrants, winners, queue, sold out"],
                   reach: .view) { model, _, _ in
            model.mode = .drops
            return []
        },
        KeyBinding(label: "!", keys: [.character("!")], hint: nil, help: ["findings: what the status warns about (header badge)"],
                   reach: .view) { model, _, _ in
            model.mode = .findings
            return []
        },
        KeyBinding(label: "?", keys: [.character("?")], hint: "help", help: ["this help;  q  quit"], reach: .view) { model, _, _ in
            model.mode = .help
            return []
        },
        KeyBinding(label: "q", keys: [.character("q")], hint: "quit", help: [], reach: .view) { _, _, _ in [.quit] },
    ]

    /// The help's key column: the longest label and two spaces, so the descriptions fit 80 columns uncut.
    static let helpLabelWidth = (bindings.map { TextWidth.of($0.label) }.max() ?? 0) + 2

    /// The help's lines for this console (keys it hides are not listed).
    var helpLines: [String] {
        Self.bindings.filter { $0.shown(readOnly: readOnly, simulator: scenario != nil) && !$0.help.isEmpty }.flatMap { binding in
            let first = binding.label.padding(toLength: Self.helpLabelWidth, withPad: " ", startingAt: 0) + binding.help[0]
            return [first] + binding.help.dropFirst().map { String(repeating: " ", count: Self.helpLabelWidth) + $0 }
        } + (readOnly ? ["", "read-only: this console shows the shop and changes nothing"] : [])
    }

    /// The hint bar: quit and help first, then the other keys with a word — every one of them.
    var hintBar: String { hintBar(width: .max) }

    /// The hint bar in `width` columns: whole hints only, in order, skipping those that no longer fit (a cut
    /// `b bl…` said nothing; `?` lists every key).
    func hintBar(width: Int) -> String {
        let shown = Self.bindings.filter { $0.shown(readOnly: readOnly, simulator: scenario != nil) && $0.hint != nil }
        let first = shown.filter { ["q", "?"].contains($0.label) }.sorted { $0.label == "q" && $1.label != "q" }
        let pairs = (first + [KeyBinding.panes] + shown.filter { !["q", "?"].contains($0.label) }).map { "\($0.label) \($0.hint ?? "")" }
        let suffix = readOnly ? "  · read-only" : ""
        var text = ""
        for pair in pairs {
            let longer = text.isEmpty ? pair : text + "  " + pair
            if TextWidth.of(longer + suffix) <= width { text = longer }
        }
        return text + suffix
    }
}

extension KeyBinding {
    /// Focus and movement, as the hint bar abbreviates them.
    static let panes = KeyBinding(label: "Tab/1-5", keys: [], hint: "pane  j/k move", help: [], reach: .view) { _, _, _ in [] }
}
