import Foundation
import Telemetry
import WAF
import Workflow

/// Everything the operator console shows, taken at one moment: plain values, so panes render from it
/// without touching the core, and a console could one day read it over HTTP from a running `serve`.
public struct DashboardSnapshot: Sendable {
    public struct BlockedRow: Sendable, Equatable {
        public var cidr: String
        public var reason: String
        /// `manual`, `rate`, or the detector that made the address a repeat offender.
        public var source: String
        public var hits: Int
        public var since: Date
        public var expires: Date?
    }

    public struct QueueRow: Sendable, Equatable {
        public var name: String
        public var isFIFO: Bool
        public var visible: Int
        public var inFlight: Int
        public var delayed: Int
        public var deadLetterQueue: String?
        public var deadLettered: Int
        public var oldestAgeSeconds: Double
        public var sentPerSecond: Double
        public var receivedPerSecond: Double
    }

    public struct RunRow: Sendable, Equatable {
        public var runID: String
        public var pipeline: String
        public var state: RunState
        public var steps: [(name: String, state: StepState)]
        public var startedAt: Date
        /// The error that ended or is holding the run, if any.
        public var error: String?

        public static func == (lhs: RunRow, rhs: RunRow) -> Bool {
            lhs.runID == rhs.runID && lhs.state == rhs.state && lhs.steps.map(\.state) == rhs.steps.map(\.state) && lhs.error == rhs.error
        }
    }

    public struct RankedProduct: Sendable, Equatable {
        public var productId: String
        public var name: String
        public var value: Double
    }

    public struct RecommenderPane: Sendable, Equatable {
        public var modelVersion: Int?
        public var algorithm: String?
        public var trainedAt: Date?
        public var ndcgModel: Double?
        public var ndcgPopularity: Double?
        public var topSellers: [RankedProduct]
        public var trending: [RankedProduct]
    }

    /// One line of the event strip.
    public struct EventLine: Sendable, Equatable {
        public enum Kind: String, Sendable { case audit, info, warning, critical }
        public var at: Date
        public var kind: Kind
        public var text: String
    }

    public var takenAt: Date
    public var listen: String?
    public var uptimeSeconds: Double
    public var traffic: TrafficSnapshot
    /// WAF blocks in the current minute, all rules together.
    public var wafBlocksThisMinute: Int
    public var blocked: [BlockedRow]
    public var queues: [QueueRow]
    public var runs: [RunRow]
    public var recommender: RecommenderPane
    public var events: [EventLine]
    /// The rows asked for with `focus`, if any.
    public var focused: FocusedDetail?
}

extension Core {
    /// The console's view of the shop now. `listening` is the HTTP address when a server is up; `focus`
    /// adds the rows of the one thing the operator is looking at closely.
    public func dashboard(listening: String? = nil, events limit: Int = 50, focus: DashboardFocus? = nil) -> DashboardSnapshot {
        let now = options.clock.now()
        let blocked = waf.blockedAddresses().map {
            DashboardSnapshot.BlockedRow(cidr: $0.cidr, reason: $0.reason, source: $0.source, hits: $0.hits, since: $0.createdAt, expires: $0.expiresAt)
        }
        let queues = broker.allStats().map {
            DashboardSnapshot.QueueRow(name: $0.name, isFIFO: $0.isFIFO, visible: $0.visible, inFlight: $0.inFlight, delayed: $0.delayed,
                                       deadLetterQueue: $0.deadLetterQueue?.name, deadLettered: $0.deadLetterQueue?.visible ?? 0,
                                       oldestAgeSeconds: $0.oldestAgeSeconds, sentPerSecond: $0.sentRate, receivedPerSecond: $0.receivedRate)
        }
        let runs = sagas.runs(limit: 50).map { run in
            DashboardSnapshot.RunRow(runID: run.runID, pipeline: run.saga, state: run.state, steps: run.steps.map { ($0.name, $0.state) },
                                     startedAt: run.startedAt, error: run.steps.last { $0.error != nil }?.error)
        }
        let model = recommendations.slot.current
        let name = { (id: String) in self.catalog.details(id)?.name ?? id }
        let top = recommendations.top(limit: 10)
        let recommender = DashboardSnapshot.RecommenderPane(
            modelVersion: model?.version, algorithm: model?.algorithm.rawValue, trainedAt: model.map { Date(timeIntervalSince1970: $0.trainedAt) },
            ndcgModel: model.flatMap { $0.metrics[$0.algorithm.rawValue]?.ndcg10 }, ndcgPopularity: model?.metrics["popularity"]?.ndcg10,
            topSellers: top.sellers.map { .init(productId: $0.item, name: name($0.item), value: Double($0.buyers)) },
            trending: top.trending.map { .init(productId: $0.item, name: name($0.item), value: $0.score) })
        var events = audit.entries(since: UInt64(max(0, Int(audit.count) - limit)), limit: limit).map {
            DashboardSnapshot.EventLine(at: $0.at, kind: .audit, text: "\($0.action): \($0.detail)")
        }
        for finding in status(listening: nil, openConnections: nil).findings where finding.severity != .info {
            events.append(.init(at: now, kind: finding.severity == .critical ? .critical : .warning, text: finding.message))
        }
        return DashboardSnapshot(takenAt: now, listen: listening, uptimeSeconds: now.timeIntervalSince(startedAt), traffic: traffic.snapshot(),
                                 wafBlocksThisMinute: waf.blocksPerMinute().values.reduce(0) { $0 + ($1.last ?? 0) },
                                 blocked: blocked, queues: queues, runs: runs, recommender: recommender, events: events,
                                 focused: focus.map { focusedDetail($0) })
    }
}
