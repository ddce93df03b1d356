import Foundation

/// Everything the operator console shows, taken at one moment, as plain `Codable` values: panes render from
/// it without touching the shop, and `GET /admin/dashboard` sends it to a console on another machine.
public struct DashboardSnapshot: Sendable, Codable, Equatable {
    public struct BlockedRow: Sendable, Codable, Equatable {
        public var cidr: String
        public var reason: String
        /// `manual`, the rate rule refusing it (`rate-limit`, `login-rate`), or the detector that made the address a repeat
        /// offender; several joined with `+` when more than one keeps it out.
        public var source: String
        public var hits: Int
        public var since: Date
        public var expires: Date?

        public init(cidr: String, reason: String, source: String, hits: Int, since: Date, expires: Date?) {
            self.cidr = cidr
            self.reason = reason
            self.source = source
            self.hits = hits
            self.since = since
            self.expires = expires
        }
    }

    public struct QueueRow: Sendable, Codable, Equatable {
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

        public init(name: String, isFIFO: Bool, visible: Int, inFlight: Int, delayed: Int, deadLetterQueue: String?, deadLettered: Int,
                    oldestAgeSeconds: Double, sentPerSecond: Double, receivedPerSecond: Double) {
            self.name = name
            self.isFIFO = isFIFO
            self.visible = visible
            self.inFlight = inFlight
            self.delayed = delayed
            self.deadLetterQueue = deadLetterQueue
            self.deadLettered = deadLettered
            self.oldestAgeSeconds = oldestAgeSeconds
            self.sentPerSecond = sentPerSecond
            self.receivedPerSecond = receivedPerSecond
        }
    }

    /// Where a saga run is.
    public enum RunPhase: String, Sendable, Codable, CaseIterable {
        case running, succeeded, failed, compensating, compensated
    }

    /// Where one step of a run is.
    public enum StepPhase: String, Sendable, Codable, CaseIterable {
        case pending, running, succeeded, failed, compensating, compensated
    }

    public struct StepRow: Sendable, Codable, Equatable {
        public var name: String
        public var state: StepPhase
        /// Attempts made at the step (retries and redrives included); nil from a shop that predates them.
        public var attempts: Int?
        /// Time spent in the step over its attempts (one still going counts up to the snapshot); nil before
        /// it first ran.
        public var seconds: Double?
        /// The step's last error, if it failed at least once.
        public var error: String?

        public init(name: String, state: StepPhase, attempts: Int? = nil, seconds: Double? = nil, error: String? = nil) {
            self.name = name
            self.state = state
            self.attempts = attempts
            self.seconds = seconds
            self.error = error
        }
    }

    public struct RunRow: Sendable, Codable, Equatable {
        public var runID: String
        public var pipeline: String
        public var state: RunPhase
        public var steps: [StepRow]
        public var startedAt: Date
        /// The error that ended or is holding the run, if any.
        public var error: String?

        public init(runID: String, pipeline: String, state: RunPhase, steps: [StepRow], startedAt: Date, error: String?) {
            self.runID = runID
            self.pipeline = pipeline
            self.state = state
            self.steps = steps
            self.startedAt = startedAt
            self.error = error
        }
    }

    public struct RankedProduct: Sendable, Codable, Equatable {
        public var productId: String
        public var name: String
        public var value: Double

        public init(productId: String, name: String, value: Double) {
            self.productId = productId
            self.name = name
            self.value = value
        }
    }

    public struct RecommenderPane: Sendable, Codable, Equatable {
        public var modelVersion: Int?
        public var algorithm: String?
        public var trainedAt: Date?
        public var ndcgModel: Double?
        public var ndcgPopularity: Double?
        public var topSellers: [RankedProduct]
        public var trending: [RankedProduct]
        /// What each model version's recommendations earned, newest first (absent from an older shop).
        public var earnings: [Earnings]?
        /// Confirmed orders the attribution looked at, attributed or not.
        public var confirmedOrders: Int?

        /// One model version's attributed figures (version 0: best sellers, before any model).
        public struct Earnings: Sendable, Codable, Equatable {
            public var version: Int
            public var impressions: Int
            public var cartAdds: Int
            public var orders: Int
            /// In cents.
            public var revenue: Int

            public init(version: Int, impressions: Int, cartAdds: Int, orders: Int, revenue: Int) {
                self.version = version
                self.impressions = impressions
                self.cartAdds = cartAdds
                self.orders = orders
                self.revenue = revenue
            }
        }

        public init(modelVersion: Int?, algorithm: String?, trainedAt: Date?, ndcgModel: Double?, ndcgPopularity: Double?, topSellers: [RankedProduct],
                    trending: [RankedProduct], earnings: [Earnings]? = nil, confirmedOrders: Int? = nil) {
            self.earnings = earnings
            self.confirmedOrders = confirmedOrders
            self.modelVersion = modelVersion
            self.algorithm = algorithm
            self.trainedAt = trainedAt
            self.ndcgModel = ndcgModel
            self.ndcgPopularity = ndcgPopularity
            self.topSellers = topSellers
            self.trending = trending
        }
    }

    /// A flash sale as the console's view of it shows it: entrants, winners, what waits in the FIFO queue, and
    /// the moment the last unit went.
    public struct DropRow: Sendable, Codable, Equatable {
        public var dropId: String
        public var product: String
        public var stock: Int
        public var opensAt: Date
        /// Entries accepted.
        public var entered: Int
        /// Entries the FIFO consumer has numbered (the first `stock` win).
        public var numbered: Int
        public var soldOutAt: Date?

        public init(dropId: String, product: String, stock: Int, opensAt: Date, entered: Int, numbered: Int, soldOutAt: Date?) {
            self.dropId = dropId
            self.product = product
            self.stock = stock
            self.opensAt = opensAt
            self.entered = entered
            self.numbered = numbered
            self.soldOutAt = soldOutAt
        }

        /// Entries that won a unit so far.
        public var winners: Int { min(numbered, stock) }
        /// Entries accepted and not yet numbered: the queue in front of the consumer.
        public var waiting: Int { max(0, entered - numbered) }
    }

    /// A WAF rule as the rules view shows it: its action, how often it matched, where, and its settings.
    public struct RuleRow: Sendable, Codable, Equatable {
        public var name: String
        /// `ipset`, `rate`, `oversize`, or the detector family.
        public var kind: String
        /// `block`, `count` or `off`.
        public var action: String
        /// Matches since the shop started, blocked or counted.
        public var matched: Int
        /// Matches per minute over the last hour, oldest first, the last minute still filling; empty when none.
        public var perMinute: [Int]
        /// Matches per ten minutes over the last day, oldest first, when the console looks at a day.
        public var perTenMinutes: [Int]?
        /// Rate rules: requests allowed per window and address.
        public var limit: Int?
        public var windowSeconds: Int?
        /// Detectors: the fields their findings were in most often.
        public var topFields: [NamedCount]

        public init(name: String, kind: String, action: String, matched: Int, perMinute: [Int], limit: Int? = nil, windowSeconds: Int? = nil,
                    topFields: [NamedCount] = []) {
            self.name = name
            self.kind = kind
            self.action = action
            self.matched = matched
            self.perMinute = perMinute
            self.limit = limit
            self.windowSeconds = windowSeconds
            self.topFields = topFields
        }
    }

    /// One line of the event strip.
    public struct EventLine: Sendable, Codable, Equatable {
        public enum Kind: String, Sendable, Codable { case audit, info, warning, critical }
        public var at: Date
        public var kind: Kind
        public var text: String

        public init(at: Date, kind: Kind, text: String) {
            self.at = at
            self.kind = kind
            self.text = text
        }
    }

    public var takenAt: Date
    public var listen: String?
    public var uptimeSeconds: Double
    public var traffic: TrafficSnapshot
    /// WAF blocks over the last 60 seconds (sliding), all rules together.
    public var wafBlocksLastMinute: Int
    public var blocked: [BlockedRow]
    public var queues: [QueueRow]
    public var runs: [RunRow]
    public var recommender: RecommenderPane
    public var events: [EventLine]
    /// What the shop's status finds wrong or worth knowing (a missing TLS terminator, a rule set to count, a
    /// dead-letter queue with messages): shown once, as a badge in the header and in the findings view, not
    /// re-stamped into the event strip every second. Nil from a shop that predates them.
    public var findings: [EventLine]?
    /// The latest flash sales, oldest first. Nil from a shop that predates them.
    public var drops: [DropRow]?
    /// The WAF's rules in evaluation order. Nil from a shop that predates them.
    public var rules: [RuleRow]?
    /// Ranges no automatic rule keeps out (source `allowlist`). Nil from a shop that predates it.
    public var allowlist: [BlockedRow]?
    /// The rows asked for with `focus`, if any.
    public var focused: FocusedDetail?
    /// What a pane's figures are when they are not the whole truth, by pane title (`Queues`: SQS's
    /// approximate counts; `Sagas`: this instance's runs only) — shown beside the pane's title. Nil on the
    /// embedded backend, where every figure is exact.
    public var paneNotes: [String: String]?

    public init(takenAt: Date, listen: String?, uptimeSeconds: Double, traffic: TrafficSnapshot, wafBlocksLastMinute: Int, blocked: [BlockedRow],
                queues: [QueueRow], runs: [RunRow], recommender: RecommenderPane, events: [EventLine], focused: FocusedDetail? = nil) {
        self.takenAt = takenAt
        self.listen = listen
        self.uptimeSeconds = uptimeSeconds
        self.traffic = traffic
        self.wafBlocksLastMinute = wafBlocksLastMinute
        self.blocked = blocked
        self.queues = queues
        self.runs = runs
        self.recommender = recommender
        self.events = events
        self.focused = focused
    }
}

/// A name and how often it was seen: a route or a client in the Traffic pane.
public struct NamedCount: Sendable, Codable, Equatable {
    public var name: String
    public var count: Int

    public init(name: String, count: Int) {
        self.name = name
        self.count = count
    }
}

/// The Traffic pane's data.
public struct TrafficSnapshot: Sendable, Codable, Equatable {
    /// Requests per second, oldest first, the last (still filling) second last.
    public var requestsPerSecond: [Double]
    public var errorsPerSecond: [Double]
    /// Mean requests per second over the last ten whole seconds.
    public var currentRate: Double
    /// Share of the last minute's requests answered 5xx.
    public var errorRate: Double
    /// Answers by status class since the start.
    public var statusMix: [String: Int]
    /// Latency percentiles over the last minute, sign-ups and sign-ins apart (`signInP99Microseconds`).
    public var p50Microseconds: UInt64?
    public var p95Microseconds: UInt64?
    public var p99Microseconds: UInt64?
    /// The 99th percentile of sign-ups and sign-ins, which hash a password on purpose (slow by design).
    public var signInP99Microseconds: UInt64?
    /// The busiest routes and client addresses over the last 60 seconds (sliding), busiest first.
    public var topRoutes: [NamedCount]
    public var topClients: [NamedCount]
    /// The time window the figures cover when the console chose one (5 min, 1 h, 24 h): routes, clients, status
    /// mix, latencies and error rate over it, and `requestsPerSecond` in buckets of `bucketSeconds`. Nil: the
    /// sliding minute (status mix since the start).
    public var windowSeconds: Int?
    public var bucketSeconds: Int?

    public init(requestsPerSecond: [Double], errorsPerSecond: [Double], currentRate: Double, errorRate: Double, statusMix: [String: Int],
                p50Microseconds: UInt64?, p95Microseconds: UInt64?, p99Microseconds: UInt64?, signInP99Microseconds: UInt64? = nil,
                topRoutes: [NamedCount], topClients: [NamedCount]) {
        self.requestsPerSecond = requestsPerSecond
        self.errorsPerSecond = errorsPerSecond
        self.currentRate = currentRate
        self.errorRate = errorRate
        self.statusMix = statusMix
        self.p50Microseconds = p50Microseconds
        self.p95Microseconds = p95Microseconds
        self.p99Microseconds = p99Microseconds
        self.signInP99Microseconds = signInP99Microseconds
        self.topRoutes = topRoutes
        self.topClients = topClients
    }
}
