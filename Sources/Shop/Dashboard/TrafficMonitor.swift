import Addressing
import Dashboard
import Foundation
import Synchronization
import Telemetry

/// What the console's Traffic pane shows, kept as requests are answered: requests and errors per second
/// over the last five minutes, the status mix, latency percentiles over the last minute, and the busiest
/// routes and client addresses over a sliding minute (`window`). Bounded: per-second rings, and at most
/// `maximumKeys` routes and addresses per slot.
public final class TrafficMonitor: Sendable {
    /// One slot's figures (the histogram is a lock-free class; a new one per slot).
    private struct Slot {
        var index: Int64 = .min
        var latencies = LatencyHistogram()
        /// Sign-ups and sign-ins, apart: they hash a password on purpose, and in the demo's first minute they
        /// made the pane's latency read 2–3 s with nothing saying why (issue 21).
        var passwordLatencies = LatencyHistogram()
        var routes: [RouteKey: Int] = [:]
        var clients: [IPAddress: Int] = [:]
        var requests = 0
        var errors = 0
        var statusClasses = [Int](repeating: 0, count: 6)

        /// The slot as the history keeps it, its names as text.
        func part() -> TrafficHistory.Part {
            TrafficHistory.Part(start: index * Int64(TrafficMonitor.window.slotSeconds), requests: requests, errors: errors, statusClasses: statusClasses,
                                latencies: latencies.snapshot(), passwordLatencies: passwordLatencies.snapshot(),
                                routes: TrafficHistory.busiest(Dictionary(routes.map { ($0.key.name, $0.value) }, uniquingKeysWith: +)),
                                clients: TrafficHistory.busiest(Dictionary(clients.map { ($0.key.description, $0.value) }, uniquingKeysWith: +)))
        }
    }

    /// A route as counted on the request path: the request's own strings, no text built per request.
    private struct RouteKey: Hashable {
        var method: String
        var route: String?

        var name: String { "\(method) \(route ?? "(no route)")" }
    }

    private struct State {
        var statusClasses = [Int](repeating: 0, count: 6)
        /// The window's slots and the one it is about to drop, by slot index modulo their count.
        var slots = [Slot](repeating: Slot(), count: TrafficMonitor.window.slots + 1)
        /// The latest requests, overwritten in a circle: a client's detail view filters them.
        var recent: [RecentRequest] = []
        var recentNext = 0
    }

    /// One thread's share of the figures. The server's event loops record every request; with one shared
    /// lock they queued on each other (the monitor was 3.4 % of the gateway route's CPU, much of it waiting),
    /// so each thread records into its own shard and a snapshot adds the shards up.
    private final class Shard: Sendable {
        let requests = TimeSeriesRing(capacity: TrafficMonitor.seconds)
        let errors = TimeSeriesRing(capacity: TrafficMonitor.seconds)
        let state = Mutex(State())
    }

    static let seconds = 300
    /// "Per minute" is the last 60 s, sliding in 10-second slots: a count of this minute so far fell to zero
    /// at every full minute (issue 21).
    static let window = SlidingWindow(slots: 6, slotSeconds: 10)
    /// Routes and addresses counted per slot and shard.
    static let maximumKeys = 2000
    /// Requests remembered per shard.
    static let recentCapacity = 2048
    private let clock: any WallClock
    private let shards: [Shard]
    /// Slots that left the live window, by minute and ten minutes, for the console's longer windows.
    private let history = TrafficHistory()
    /// The routes that hash a password (`POST /api/users`, `POST /api/sessions`), timed apart from the rest.
    private let passwordRoutes: Set<String>

    public init(clock: any WallClock, shards: Int = 4, passwordRoutes: Set<String> = ["/api/users", "/api/sessions"]) {
        self.clock = clock
        self.shards = (0..<max(1, shards)).map { _ in Shard() }
        self.passwordRoutes = passwordRoutes
    }

    private var shard: Shard { shards[ThreadShard.index(count: shards.count)] }

    /// Counts one answered request: its method, the matched route's pattern (nil when none matched, so paths
    /// group without unbounded cardinality), the status answered, its latency and the client's address.
    /// Called on the server's event loop for every request: quick, and never blocks beyond one short lock.
    public func record(method: String, route: String?, status: Int, microseconds: UInt64, peer: IPAddress) {
        let now = clock.now()
        let shard = self.shard
        shard.requests.record(1, at: now)
        if status >= 500 { shard.errors.record(1, at: now) }
        let slot = Self.window.slot(now)
        let route = RouteKey(method: method, route: route)
        shard.state.withLock { s in
            s.statusClasses[min(5, max(0, status / 100))] += 1
            let position = Self.position(of: slot, in: s.slots)
            if s.slots[position].index != slot {
                // Once every 10 s per thread: the slot leaving the live window goes to the history.
                if s.slots[position].index != .min { history.add(s.slots[position].part()) }
                s.slots[position] = Slot(index: slot)
            }
            s.slots[position].requests += 1
            if status >= 500 { s.slots[position].errors += 1 }
            s.slots[position].statusClasses[min(5, max(0, status / 100))] += 1
            // Only POSTs hash a password: the set is not consulted for the reads that make up most traffic.
            if method == "POST", let pattern = route.route, passwordRoutes.contains(pattern) {
                s.slots[position].passwordLatencies.record(microseconds: microseconds)
            } else {
                s.slots[position].latencies.record(microseconds: microseconds)
            }
            if s.slots[position].routes.count < Self.maximumKeys || s.slots[position].routes[route] != nil {
                s.slots[position].routes[route, default: 0] += 1
            }
            let client = peer
            if s.slots[position].clients.count < Self.maximumKeys || s.slots[position].clients[client] != nil {
                s.slots[position].clients[client, default: 0] += 1
            }
            let entry = RecentRequest(at: now, peer: client, method: method, route: route.route, status: status, microseconds: microseconds)
            if s.recent.count < Self.recentCapacity { s.recent.append(entry) } else { s.recent[s.recentNext] = entry }
            s.recentNext = (s.recentNext + 1) % Self.recentCapacity
        }
    }

    private static func position(of slot: Int64, in slots: [Slot]) -> Int {
        Int(slot.modulo(Int64(slots.count)))
    }

    /// The latest requests from addresses in `network` (all clients when nil) among the last 2,048 answered
    /// on each thread, newest first.
    public func recentRequests(in network: IPNetwork?, limit: Int = 20) -> [RecentRequest] {
        let found = shards.flatMap { shard in
            shard.state.withLock { s in
                var found: [RecentRequest] = []
                var index = s.recentNext
                for _ in 0..<s.recent.count where found.count < limit {
                    index = (index + s.recent.count - 1) % s.recent.count
                    if network?.contains(s.recent[index].peer) ?? true { found.append(s.recent[index]) }
                }
                return found
            }
        }
        return Array(found.sorted { $0.at > $1.at }.prefix(limit))
    }

    /// The pane's figures as of now.
    public func snapshot(top: Int = 10) -> TrafficSnapshot {
        let now = clock.now()
        func added(_ rings: [[Double]]) -> [Double] {
            rings.dropFirst().reduce(rings[0]) { sum, ring in zip(sum, ring).map(+) }
        }
        let perSecond = added(shards.map { $0.requests.values(at: now) })
        let errorsPerSecond = added(shards.map { $0.errors.values(at: now) })
        var latencies = HistogramSnapshot(), passwordLatencies = HistogramSnapshot()
        var routes: [RouteKey: Double] = [:], clients: [IPAddress: Double] = [:]
        var statusClasses = [Int](repeating: 0, count: 6)
        let weights = Self.window.weights(at: now)
        for shard in shards {
            shard.state.withLock { s in
                for (slot, weight) in weights {
                    let part = s.slots[Self.position(of: slot, in: s.slots)]
                    guard part.index == slot, weight > 0 else { continue }
                    latencies.merge(part.latencies.snapshot())
                    passwordLatencies.merge(part.passwordLatencies.snapshot())
                    for (route, count) in part.routes { routes[route, default: 0] += Double(count) * weight }
                    for (client, count) in part.clients { clients[client, default: 0] += Double(count) * weight }
                }
                for index in statusClasses.indices { statusClasses[index] += s.statusClasses[index] }
            }
        }
        // Formatted here, once per snapshot, rather than per request.
        func best(_ counts: [String: Double]) -> [NamedCount] {
            counts.map { ($0.key, Int($0.value.rounded())) }.sorted { ($0.1, $1.0) > ($1.1, $0.0) }.prefix(top)
                .map { NamedCount(name: $0.0, count: $0.1) }
        }
        let lastTen = perSecond.suffix(11).dropLast()  // whole seconds only
        return TrafficSnapshot(requestsPerSecond: perSecond, errorsPerSecond: errorsPerSecond,
                               currentRate: lastTen.reduce(0, +) / Double(max(lastTen.count, 1)),
                               errorRate: errorsPerSecond.suffix(61).dropLast().reduce(0, +) / max(1, perSecond.suffix(61).dropLast().reduce(0, +)),
                               statusMix: ["1xx": statusClasses[1], "2xx": statusClasses[2], "3xx": statusClasses[3],
                                           "4xx": statusClasses[4], "5xx": statusClasses[5]],
                               p50Microseconds: latencies.count > 0 ? latencies.percentile(0.5) : nil,
                               p95Microseconds: latencies.count > 0 ? latencies.percentile(0.95) : nil,
                               p99Microseconds: latencies.count > 0 ? latencies.percentile(0.99) : nil,
                               signInP99Microseconds: passwordLatencies.count > 0 ? passwordLatencies.percentile(0.99) : nil,
                               topRoutes: best(Dictionary(routes.map { ($0.key.name, $0.value) }, uniquingKeysWith: +)),
                               topClients: best(Dictionary(clients.map { ($0.key.description, $0.value) }, uniquingKeysWith: +)))
    }
}

extension TrafficMonitor {
    /// The pane's figures over the last `seconds` — the console's time window of 5 minutes, an hour or a day:
    /// the history's records overlapping it and the live slots inside it. The rate series is per second for
    /// five minutes, per minute for an hour, per ten minutes beyond, each bucket in requests per second; the
    /// current rate stays the last ten seconds'. A window of a minute or less is `snapshot(top:)`.
    public func snapshot(top: Int = 10, windowSeconds seconds: Int) -> TrafficSnapshot {
        let live = snapshot(top: top)
        guard seconds > 60 else { return live }
        let now = clock.now()
        let start = Int64(now.timeIntervalSince1970) - Int64(seconds)
        let (records, granularity) = history.records(covering: seconds, now: now)
        let bucketSeconds = seconds <= TrafficMonitor.seconds ? 1 : granularity
        let buckets = seconds / bucketSeconds
        let firstBucket = (start + 1) / Int64(bucketSeconds)
        var requests = [Double](repeating: 0, count: buckets), errors = [Double](repeating: 0, count: buckets)
        var total = TrafficHistory.Part(start: start)
        func add(_ part: TrafficHistory.Part) {
            total.add(part)
            guard bucketSeconds > 1 else { return }
            let bucket = Int(part.start / Int64(bucketSeconds) - firstBucket)
            guard requests.indices.contains(bucket) else { return }
            requests[bucket] += Double(part.requests) / Double(bucketSeconds)
            errors[bucket] += Double(part.errors) / Double(bucketSeconds)
        }
        records.forEach { add($0.figures) }
        for shard in shards {
            let parts = shard.state.withLock { s in
                s.slots.filter { $0.index != .min && $0.index * Int64(Self.window.slotSeconds) >= start }.map { $0.part() }
            }
            parts.forEach(add)
        }
        func best(_ counts: [String: Int]) -> [NamedCount] {
            counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(top).map { NamedCount(name: $0.key, count: $0.value) }
        }
        let latencies = total.latencies, passwords = total.passwordLatencies
        var snapshot = TrafficSnapshot(
            requestsPerSecond: bucketSeconds == 1 ? Array(live.requestsPerSecond.suffix(buckets)) : requests,
            errorsPerSecond: bucketSeconds == 1 ? Array(live.errorsPerSecond.suffix(buckets)) : errors,
            currentRate: live.currentRate, errorRate: Double(total.errors) / Double(max(1, total.requests)),
            statusMix: ["1xx": total.statusClasses[1], "2xx": total.statusClasses[2], "3xx": total.statusClasses[3],
                        "4xx": total.statusClasses[4], "5xx": total.statusClasses[5]],
            p50Microseconds: latencies.count > 0 ? latencies.percentile(0.5) : nil, p95Microseconds: latencies.count > 0 ? latencies.percentile(0.95) : nil,
            p99Microseconds: latencies.count > 0 ? latencies.percentile(0.99) : nil,
            signInP99Microseconds: passwords.count > 0 ? passwords.percentile(0.99) : nil,
            topRoutes: best(total.routes), topClients: best(total.clients))
        snapshot.windowSeconds = seconds
        snapshot.bucketSeconds = bucketSeconds
        return snapshot
    }
}

/// One answered request as the traffic monitor remembers it.
public struct RecentRequest: Sendable, Equatable {
    public var at: Date
    public var peer: IPAddress
    public var method: String
    /// The matched route's pattern; nil when no route matched.
    public var route: String?
    public var status: Int
    public var microseconds: UInt64
}
