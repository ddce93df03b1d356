import Dashboard
import Foundation
import WAF
import Workflow

extension Core {
    /// Recommendation pipeline runs kept in the Sagas pane whatever the checkout traffic: with only the latest
    /// 50 runs, checkouts pushed a finished pipeline run out within 10–20 s (issue 21).
    static let pipelineRunsShown = 20

    /// The Sagas pane's runs, newest first: the latest 50 of every saga, and `pipelineRuns` (the latest pipeline
    /// runs) however many checkouts came after them.
    func dashboardRuns(pipelineRuns: [SagaRun]) -> [SagaRun] {
        var seen = Set<String>()
        let runs = (sagas.runs(limit: 50) + pipelineRuns).filter { seen.insert($0.runID).inserted }
        return runs.sorted { ($0.startedAt, $0.runID) > ($1.startedAt, $1.runID) }
    }

    /// The event strip, oldest first: the audit trail (what operators did) together with what the shop did by
    /// itself — pipeline runs started by their schedule and pipeline runs ending, drops selling out, automatic
    /// blocks — each at
    /// the moment it happened.
    func dashboardEvents(limit: Int, pipelineRuns: [SagaRun], blocks: [IPBlock], drops: [DashboardSnapshot.DropRow]) -> [DashboardSnapshot.EventLine] {
        var events = audit.entries(since: UInt64(max(0, Int(audit.count) - limit)), limit: limit).map {
            DashboardSnapshot.EventLine(at: $0.at, kind: .audit, text: "\($0.action): \($0.detail)")
        }
        for run in pipelineRuns.prefix(10) {
            if run.input["scheduledAt"] != nil {
                events.append(.init(at: run.startedAt, kind: .info, text: "scheduled retrain started: run \(run.runID)"))
            }
            if let ended = run.endedAt { events.append(Self.endEvent(of: run, at: ended)) }
        }
        for drop in drops {
            guard let soldOut = drop.soldOutAt else { continue }
            let took = String(format: "%.1f s", soldOut.timeIntervalSince(drop.opensAt))
            events.append(.init(at: soldOut, kind: .info, text: "drop \(drop.dropId) (\(drop.product)) sold out \(took) after opening: "
                                + "\(drop.stock) won, \(drop.entered) entered so far"))
        }
        for block in blocks where block.source != "manual" {
            events.append(.init(at: block.createdAt, kind: .warning, text: "WAF blocked \(block.cidr) automatically (\(block.source)): \(block.reason)"))
        }
        return Array(events.sorted { $0.at < $1.at }.suffix(limit))
    }

    private static func endEvent(of run: SagaRun, at ended: Date) -> DashboardSnapshot.EventLine {
        let took = String(format: "%.1f s", ended.timeIntervalSince(run.startedAt))
        let failure = run.steps.last { $0.error != nil }
        switch run.state {
        case .succeeded:
            return .init(at: ended, kind: .info, text: "\(run.saga) run \(run.runID) succeeded in \(took)")
        default:
            let step = failure.map { " at \($0.name)" } ?? ""
            return .init(at: ended, kind: .warning,
                         text: "\(run.saga) run \(run.runID) \(run.state.rawValue)\(step) after \(took)" + (failure?.error.map { ": \($0)" } ?? "")
                             + (run.state == .failed ? " — held: redrive it (R) or abandon it (X)" : ""))
        }
    }

    /// The flash-sale view's rows: the drops the board follows, with their products' names.
    func dropRows() -> [DashboardSnapshot.DropRow] {
        drops.board.all.map {
            DashboardSnapshot.DropRow(dropId: $0.dropId, product: catalog.details($0.productId)?.name ?? $0.productId, stock: $0.stock, opensAt: $0.opensAt,
                                      entered: $0.entered, numbered: $0.numbered, soldOutAt: $0.soldOutAt)
        }
    }

    /// One row per address: the IP set's block and each rate rule refusing it, together (one address was listed
    /// as `rate` twice, or as `rate` and `manual`, with no way to tell the rate rules apart). Sources are joined
    /// with `+`; the row expires when its last block does.
    static func blockedRows(_ blocks: [IPBlock]) -> [DashboardSnapshot.BlockedRow] {
        var rows: [DashboardSnapshot.BlockedRow] = []
        var index: [String: Int] = [:]
        for block in blocks {
            guard let at = index[block.cidr] else {
                index[block.cidr] = rows.count
                rows.append(.init(cidr: block.cidr, reason: block.reason, source: block.source, hits: block.hits, since: block.createdAt,
                                  expires: block.expiresAt))
                continue
            }
            var row = rows[at]
            if !row.source.split(separator: "+").contains(Substring(block.source)) { row.source += "+" + block.source }
            if block.source == "manual" { row.reason = block.reason }
            row.hits += block.hits
            row.since = min(row.since, block.createdAt)
            row.expires = row.expires.flatMap { current in block.expiresAt.map { max(current, $0) } }
            rows[at] = row
        }
        return rows
    }
}
