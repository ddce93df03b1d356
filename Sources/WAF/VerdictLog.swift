import Foundation
import Synchronization
import Telemetry

/// One logged verdict (blocked or counted): who, what, which rule, and why — a detector's finding, or a
/// line saying which block or rate the address hit. Repeats of the same client and rule within a second
/// are folded into one record (`repeats`), so a flood does not push everything else out of the log.
public struct VerdictRecord: Sendable, Equatable {
    public var at: Date
    public var clientIP: String
    public var method: String
    public var path: String
    public var rule: String
    public var action: RuleAction
    /// The detector's finding; nil for IP-set and rate verdicts.
    public var detection: Detection?
    /// What an operator reads: the finding's shape in its field, the block's reason, or the rate.
    public var detail: String
    /// Further verdicts folded into this one.
    public var repeats: Int = 0
    /// The log's number for the verdict, so one can be asked for again (the request inspector); 0 until logged.
    public var id: UInt64 = 0
    /// The request as the WAF saw it, cut to `SeenRequest`'s bounds; kept for the latest verdicts only.
    public var request: SeenRequest?

    public init(at: Date, clientIP: String, method: String, path: String, rule: String, action: RuleAction, detection: Detection? = nil, detail: String) {
        self.at = at
        self.clientIP = clientIP
        self.method = method
        self.path = path
        self.rule = rule
        self.action = action
        self.detection = detection
        self.detail = detail
    }
}

/// A request as the WAF saw it when a rule matched — target, headers, body — each part cut to a bound, since
/// a client chooses their size (at most about 9 KB a request, 9 MB for the whole log).
public struct SeenRequest: Sendable, Equatable {
    public struct Header: Sendable, Equatable {
        public var name: String
        public var value: String
    }

    public static let targetLimit = 1024
    public static let headerLimit = 24
    public static let headerNameLimit = 64
    public static let headerValueLimit = 256
    public static let bodyLimit = 1024

    public var target: String
    public var headers: [Header]
    /// How many headers the request had (`headers` holds the first `headerLimit`).
    public var headerCount: Int
    /// The body's first `bodyLimit` bytes as text (invalid UTF-8 replaced).
    public var body: String
    public var bodyBytes: Int

    public init(target: String, headers: [(name: String, value: String)], body: [UInt8]) {
        self.target = String(target.prefix(Self.targetLimit))
        self.headers = headers.prefix(Self.headerLimit).map {
            Header(name: String($0.name.prefix(Self.headerNameLimit)), value: String($0.value.prefix(Self.headerValueLimit)))
        }
        headerCount = headers.count
        self.body = String(decoding: body.prefix(Self.bodyLimit), as: UTF8.self)
        bodyBytes = body.count
    }
}

/// A client address the firewall has refused, with how often and most recently by which rule.
public struct BlockedClient: Sendable, Equatable {
    public var clientIP: String
    public var blocks: Int
    public var lastRule: String
    public var lastAt: Date
}

/// The firewall's memory of what it did: recent verdicts, blocks and matches per rule per minute (the last
/// hour), the fields each detector matched in, and the most blocked client addresses. Bounded in every
/// dimension; written only when a rule matches.
final class VerdictLog: Sendable {
    private struct State {
        var recent: [VerdictRecord] = []
        var matched: [String: Int] = [:]
        var perMinute: [String: TimeSeriesRing] = [:]
        /// Matches per minute, blocked or counted: what a rule in count mode would have blocked.
        var matchedPerMinute: [String: TimeSeriesRing] = [:]
        /// The same per ten minutes over a day, for the console's 24-hour window.
        var matchedPerTenMinutes: [String: TimeSeriesRing] = [:]
        /// Per rule, the fields its findings were in (`query:q`, `header:user-agent`), at most `fieldLimit` each.
        var fields: [String: [String: Int]] = [:]
        var clients: [String: BlockedClient] = [:]
        var nextID: UInt64 = 1
    }

    static let fieldLimit = 50

    static let recentLimit = 500
    static let minutesKept = 60
    static let tenMinutesKept = 144
    static let clientLimit = 10_000
    private let state = Mutex(State())
    /// Blocks per second, all rules together, for a sliding minute's total.
    private let blocksPerSecond = TimeSeriesRing(capacity: VerdictLog.lastMinute.slots + 1)
    static let lastMinute = SlidingWindow(slots: 60, slotSeconds: 1)
    private let blockedCounter: Counter
    private let countedCounter: Counter

    init(metrics: MetricsRegistry) {
        blockedCounter = metrics.counter("shopdeck_waf_blocked_total", help: "Requests the WAF blocked")
        countedCounter = metrics.counter("shopdeck_waf_counted_total", help: "Requests a WAF rule in count mode matched")
    }

    /// Logs `record`; `request` is taken only when the record is kept rather than folded into an earlier one,
    /// so a flood from one blocked address does not copy every request it sends.
    func append(_ record: VerdictRecord, request: () -> SeenRequest? = { nil }) {
        if record.action == .block {
            blockedCounter.increment()
            blocksPerSecond.record(1, at: record.at)
        } else {
            countedCounter.increment()
        }
        state.withLock { s in
            s.matched[record.rule, default: 0] += 1
            let ring = s.matchedPerMinute[record.rule] ?? TimeSeriesRing(capacity: Self.minutesKept, slotSeconds: 60)
            s.matchedPerMinute[record.rule] = ring
            ring.record(1, at: record.at)
            let daily = s.matchedPerTenMinutes[record.rule] ?? TimeSeriesRing(capacity: Self.tenMinutesKept, slotSeconds: 600)
            s.matchedPerTenMinutes[record.rule] = daily
            daily.record(1, at: record.at)
            if let field = record.detection?.field, s.fields[record.rule, default: [:]].count < Self.fieldLimit || s.fields[record.rule]?[field] != nil {
                s.fields[record.rule, default: [:]][field, default: 0] += 1
            }
            if record.action == .block { Self.noteBlock(record, in: &s) }
            let recentStart = max(0, s.recent.count - 8)
            if let index = s.recent[recentStart...].lastIndex(where: { Self.folds(record, into: $0) }) {
                s.recent[index].repeats += 1
                s.recent[index].at = record.at
                return
            }
            var kept = record
            kept.id = s.nextID
            kept.request = request()
            s.nextID += 1
            s.recent.append(kept)
            if s.recent.count > Self.recentLimit * 2 { s.recent.removeFirst(s.recent.count - Self.recentLimit) }
        }
    }

    private static func folds(_ record: VerdictRecord, into earlier: VerdictRecord) -> Bool {
        earlier.clientIP == record.clientIP && earlier.rule == record.rule && earlier.action == record.action
            && earlier.detection == nil && record.detection == nil && record.at.timeIntervalSince(earlier.at) < 1
    }

    private static func noteBlock(_ record: VerdictRecord, in s: inout State) {
        let ring = s.perMinute[record.rule] ?? TimeSeriesRing(capacity: minutesKept, slotSeconds: 60)
        s.perMinute[record.rule] = ring
        ring.record(1, at: record.at)
        // The repeat-offender verdict rides on a request the detector already counted.
        guard record.rule != RepeatOffenderRule.name else { return }
        var client = s.clients[record.clientIP] ?? BlockedClient(clientIP: record.clientIP, blocks: 0, lastRule: record.rule, lastAt: record.at)
        client.blocks += 1
        client.lastRule = record.rule
        client.lastAt = record.at
        s.clients[record.clientIP] = client
        if s.clients.count > clientLimit {
            // Keep the busiest half: a spray from many addresses must not grow the table without end.
            let kept = s.clients.values.sorted { ($0.blocks, $0.lastAt) > ($1.blocks, $1.lastAt) }.prefix(clientLimit / 2)
            s.clients = Dictionary(uniqueKeysWithValues: kept.map { ($0.clientIP, $0) })
        }
    }

    func recent(limit: Int) -> [VerdictRecord] {
        state.withLock { Array($0.recent.suffix(limit)) }
    }

    /// A verdict still in the log, by its id.
    func verdict(id: UInt64) -> VerdictRecord? {
        state.withLock { s in
            // Ids rise with the log's order: a binary search would do, but the log is at most a thousand long.
            s.recent.last { $0.id == id }
        }
    }

    func matched(_ rule: String) -> Int {
        state.withLock { $0.matched[rule] ?? 0 }
    }

    /// Blocks over the last 60 seconds, all rules together, sliding by the second.
    func blocksInLastMinute(now: Date) -> Int {
        Int(Self.lastMinute.total(of: blocksPerSecond.values(at: now), at: now).rounded())
    }

    /// Blocks per minute for every rule that blocked in the last hour, oldest minute first.
    func blocksPerMinute(now: Date) -> [String: [Int]] {
        Self.nonEmpty(state.withLock { $0.perMinute }, at: now)
    }

    /// Matches per minute (blocked or counted) for every rule that matched in the last hour, oldest minute first.
    func matchesPerMinute(now: Date) -> [String: [Int]] {
        Self.nonEmpty(state.withLock { $0.matchedPerMinute }, at: now)
    }

    /// Matches per ten minutes (blocked or counted) for every rule that matched in the last day, oldest first.
    func matchesPerTenMinutes(now: Date) -> [String: [Int]] {
        Self.nonEmpty(state.withLock { $0.matchedPerTenMinutes }, at: now)
    }

    /// Each ring's counts as of `now`, oldest first, leaving out rings with nothing in them.
    private static func nonEmpty(_ rings: [String: TimeSeriesRing], at now: Date) -> [String: [Int]] {
        rings.compactMapValues { ring in
            let counts = ring.values(at: now).map { Int($0) }
            return counts.contains { $0 > 0 } ? counts : nil
        }
    }

    /// The fields `rule`'s findings were in most often, most first.
    func topFields(_ rule: String, limit: Int) -> [(field: String, count: Int)] {
        let fields = state.withLock { $0.fields[rule] ?? [:] }
        return fields.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(limit).map { ($0.key, $0.value) }
    }

    /// The client addresses blocked most often, busiest first.
    func topBlockedClients(limit: Int) -> [BlockedClient] {
        state.withLock { s in
            Array(s.clients.values.sorted { ($0.blocks, $0.lastAt) > ($1.blocks, $1.lastAt) }.prefix(limit))
        }
    }
}
