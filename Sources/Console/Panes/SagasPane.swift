import Dashboard

/// Sagas: the latest runs of the checkout and recommendation pipelines with a mark per step; a run's
/// steps are in every snapshot, so its detail view needs nothing more from the shop.
struct SagasPane: ConsolePane {
    let pane = Pane.sagas
    let title = "Sagas"
    let emptyText = "no runs yet"

    func rows(_ snapshot: DashboardSnapshot, ascii: Bool) -> PaneRows {
        // The error before the pipeline's name, and the run's id last and first to go: at 80 columns the error
        // was the column left out (issue 21), though it is what an operator looks for.
        var rows = PaneRows(columns: [.init("state", width: 11), .init("steps", width: 6), .init("error · pipeline", minimumWidth: 18),
                                      .init("run", width: 8, optional: true)],
                            cells: snapshot.runs.map { run in
                                [run.state.rawValue, Format.steps(run.steps, ascii: ascii), run.error.map { "\($0) · \(run.pipeline)" } ?? run.pipeline,
                                 Self.shortID(run)]
                            }, keys: snapshot.runs.map(\.runID))
        for (index, run) in snapshot.runs.enumerated() {
            switch run.state {
            case .compensated, .compensating: rows.styles[index] = Style(foreground: .yellow, bold: true)
            case .failed: rows.styles[index] = Style(foreground: .red, bold: true)
            case .running: rows.styles[index] = Style(foreground: .cyan)
            case .succeeded: break
            }
        }
        return rows
    }

    /// The run's id in eight columns, blank for a run named after its pipeline (`checkout-<order>`: every
    /// checkout row read `checkout`, and showing each order instead made the pane redraw every row at each new
    /// checkout — 600 → 714 bytes/s drawn under the bench's traffic). Its detail view has the whole id.
    static func shortID(_ run: DashboardSnapshot.RunRow) -> String {
        run.runID.hasPrefix(run.pipeline + "-") ? "" : String(run.runID.prefix(8))
    }

    /// The run and each step's state, attempts, time and error, as Step Functions' execution view has them;
    /// a failed run says what `R` and `X` do.
    func detailLines(_ model: ConsoleModel, _ snapshot: DashboardSnapshot, key: String) -> [String] {
        guard let run = snapshot.runs.first(where: { $0.runID == key }) else { return [] }
        let pad = { (text: String, width: Int) in text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0) }
        let nameWidth = run.steps.map(\.name.count).max() ?? 0
        let steps = run.steps.flatMap { step -> [String] in
            let attempts = step.attempts.map { $0 == 1 ? "1 attempt" : "\($0) attempts" } ?? ""
            let took = step.seconds.map(Format.duration) ?? "-"
            let line = "  \(pad(step.state.rawValue, 12)) \(pad(step.name, nameWidth))  \(pad(attempts, 10))  \(took)"
            return [line] + (step.error.map { ["      \($0)"] } ?? [])
        }
        let held = run.state == .failed && run.pipeline != "checkout"
            ? ["", "held for a decision: R redrives it from its failed step, X abandons it (undoes what it completed)"] : []
        return ["run       \(run.runID)", "pipeline  \(run.pipeline)", "state     \(run.state.rawValue)",
                "started   \(Screen.clock(run.startedAt)) UTC", "", "  state        \(pad("step", nameWidth))  attempts    time"]
            + steps + (run.steps.contains { $0.error != nil } ? [] : run.error.map { ["", "error: \($0)"] } ?? []) + held
    }

    func redrive(_ snapshot: DashboardSnapshot, key: String) -> (action: OperatorAction, question: String)? {
        guard let run = snapshot.runs.first(where: { $0.runID == key }), run.state == .failed, run.pipeline != "checkout" else { return nil }
        let from = run.steps.first { $0.state == .failed }?.name
        return (.redriveRun(runID: key), "redrive \(run.pipeline) run \(key.prefix(8))" + (from.map { " from \($0)" } ?? "") + "? (y/n)")
    }

    var bindings: [KeyBinding] {
        [KeyBinding(label: "X", keys: [.character("X")], hint: nil, help: ["abandon a failed run: undo what it did (y/n)"],
                    reach: .changesShop) { model, _, _ in
            guard model.focus == .sagas, let key = model.selectedKey, let run = model.snapshot?.runs.first(where: { $0.runID == key }),
                  run.state == .failed, run.pipeline != "checkout" else {
                model.note("select a failed pipeline run in Sagas (4) to abandon it")
                return []
            }
            let undone = run.steps.filter { $0.state == .succeeded }.map(\.name).reversed().joined(separator: ", ")
            model.mode = .confirm(.abandonRun(runID: key), "abandon run \(key.prefix(8)) and undo \(undone.isEmpty ? "nothing" : undone)? (y/n)")
            return []
        }]
    }
}
