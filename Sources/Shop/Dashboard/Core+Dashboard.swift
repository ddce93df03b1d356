import Dashboard
import Foundation
import Telemetry
import WAF
import Workflow

extension Core {
    /// The console's view of the shop now. `listening` is the HTTP address when a server is up; `focus`
    /// adds the rows of the one thing the operator is looking at closely.
    /// `windowSeconds` (one of `TrafficWindows.seconds`) widens the traffic figures and the rules' matches from
    /// the sliding minute to that window.
    public func dashboard(listening: String? = nil, events limit: Int = 50, focus: DashboardFocus? = nil, windowSeconds: Int? = nil) -> DashboardSnapshot {
        let now = options.clock.now()
        let blocks = waf.blockedAddresses()
        let blocked = Self.blockedRows(blocks)
        let queues = queueStats().map {
            DashboardSnapshot.QueueRow(name: $0.name, isFIFO: $0.isFIFO, visible: $0.visible, inFlight: $0.inFlight, delayed: $0.delayed,
                                       deadLetterQueue: $0.deadLetterQueue?.name, deadLettered: $0.deadLetterQueue?.visible ?? 0,
                                       oldestAgeSeconds: $0.oldestAgeSeconds, sentPerSecond: $0.sentRate, receivedPerSecond: $0.receivedRate)
        }
        // Read once: the Sagas pane and the event strip both show the latest pipeline runs.
        let pipelineRuns = sagas.runs(saga: RecommendationPipeline.name, limit: Self.pipelineRunsShown)
        let runs = dashboardRuns(pipelineRuns: pipelineRuns).map { run in
            DashboardSnapshot.RunRow(runID: run.runID, pipeline: run.saga, state: DashboardSnapshot.RunPhase(rawValue: run.state.rawValue) ?? .running,
                                     steps: run.steps.map {
                                         .init(name: $0.name, state: DashboardSnapshot.StepPhase(rawValue: $0.state.rawValue) ?? .pending, attempts: $0.attempts,
                                               seconds: run.secondsSpent(inStep: $0.name, now: now), error: $0.error)
                                     },
                                     startedAt: run.startedAt, error: run.steps.last { $0.error != nil }?.error)
        }
        let model = recommendations.slot.current
        let name = { (id: String) in self.catalog.details(id)?.name ?? id }
        let top = recommendations.top(limit: 10)
        let recommender = DashboardSnapshot.RecommenderPane(
            modelVersion: model?.version, algorithm: model?.servingName, trainedAt: model.map { Date(timeIntervalSince1970: $0.trainedAt) },
            ndcgModel: model.flatMap { $0.servingMetrics?.ndcg10 }, ndcgPopularity: model?.metrics["popularity"]?.ndcg10,
            topSellers: top.sellers.map { .init(productId: $0.item, name: name($0.item), value: Double($0.buyers)) },
            trending: top.trending.map { .init(productId: $0.item, name: name($0.item), value: $0.score) },
            earnings: recommendations.attribution.figures().prefix(3).map {
                .init(version: $0.version, impressions: $0.impressions, cartAdds: $0.cartAdds, orders: $0.orders, revenue: $0.revenue)
            },
            confirmedOrders: recommendations.attribution.confirmedOrders)
        let drops = dropRows()
        let events = dashboardEvents(limit: limit, pipelineRuns: pipelineRuns, blocks: blocks, drops: drops)
        let findings = findings(listening: nil).map {
            DashboardSnapshot.EventLine(at: now, kind: DashboardSnapshot.EventLine.Kind(rawValue: $0.severity.rawValue) ?? .warning, text: $0.message)
        }
        var snapshot = DashboardSnapshot(takenAt: now, listen: listening, uptimeSeconds: now.timeIntervalSince(startedAt),
                                         traffic: windowSeconds.map { traffic.snapshot(windowSeconds: $0) } ?? traffic.snapshot(),
                                         wafBlocksLastMinute: waf.blocksInLastMinute(),
                                         blocked: blocked, queues: queues, runs: runs, recommender: recommender, events: events,
                                         focused: focus.map { focusedDetail($0) })
        snapshot.findings = findings
        snapshot.drops = drops
        snapshot.allowlist = waf.allowlist.list(now: now).map {
            DashboardSnapshot.BlockedRow(cidr: $0.cidr, reason: $0.reason, source: $0.source, hits: $0.hits, since: $0.createdAt, expires: $0.expiresAt)
        }
        let matches = waf.matchesPerMinute()
        // A day's matches only when the console looks at a day: 144 numbers per rule it otherwise never draws.
        let daily = windowSeconds.map { $0 > 3600 } == true ? waf.matchesPerTenMinutes() : nil
        snapshot.rules = waf.rules.map { rule in
            var row = DashboardSnapshot.RuleRow(name: rule.name, kind: rule.kind, action: rule.action.rawValue, matched: rule.matched,
                                                perMinute: matches[rule.name] ?? [], limit: rule.kind == "rate" ? rule.limit : nil,
                                                windowSeconds: rule.kind == "rate" ? rule.windowSeconds : nil,
                                                topFields: waf.topMatchedFields(rule.name).map { NamedCount(name: $0.field, count: $0.count) })
            if let daily { row.perTenMinutes = daily[rule.name] ?? [] }
            return row
        }
        if engines == nil {
            // Say what the figures are rather than let a remote backend's gaps read as zeros.
            snapshot.paneNotes = ["Queues": queueFigures.hasRefreshed ? "SQS counts, approximate" : "waiting for SQS's counts",
                                  "Sagas": "this instance's runs"]
        }
        return snapshot
    }
}
