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

    /// The run's id in eight columns: a checkout run's id repeats its pipeline (`checkout-<order>`), which
    /// made every checkout row read `checkout`; the part after the pipeline's name is what tells runs apart.
    static func shortID(_ run: DashboardSnapshot.RunRow) -> String {
        let id = run.runID.hasPrefix(run.pipeline + "-") ? run.runID.dropFirst(run.pipeline.count + 1) : Substring(run.runID)
        return String(id.prefix(8))
    }

    func detailLines(_ model: ConsoleModel, _ snapshot: DashboardSnapshot, key: String) -> [String] {
        guard let run = snapshot.runs.first(where: { $0.runID == key }) else { return [] }
        return ["run       \(run.runID)", "pipeline  \(run.pipeline)", "state     \(run.state.rawValue)",
                "started   \(Screen.clock(run.startedAt)) UTC", ""]
            + run.steps.map { "  \($0.state.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)) \($0.name)" }
            + (run.error.map { ["", "error: \($0)"] } ?? [])
    }
}
