import Addressing
import Dashboard
import Foundation
import Synchronization
import Telemetry

/// What the console's Traffic pane shows, kept as requests are answered: requests and errors per second
/// over the last five minutes, the status mix, latency percentiles over the last minute, and the busiest
/// routes and client addresses over the last minute. Bounded: per-second rings, and at most
/// `maximumKeys` routes and addresses per minute.
public final class TrafficMonitor: Sendable {
    /// One minute's figures (the histogram is a lock-free class; a new one per minute).
    private struct Minute {
        var index: Int64 = .min
        var latencies = LatencyHistogram()
        var routes: [RouteKey: Int] = [:]
        var clients: [IPAddress: Int] = [:]
    }

    /// A route as counted on the request path: the request's own strings, no text built per request.
    private struct RouteKey: Hashable {
        var method: String
        var route: String?

        var name: String { "\(method) \(route ?? "(no route)")" }
    }

    private struct State {
        var statusClasses = [Int](repeating: 0, count: 6)
        var current = Minute()
        var previous = Minute()
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
    /// Routes and addresses counted per minute and shard.
    static let maximumKeys = 2000
    /// Requests remembered per shard.
    static let recentCapacity = 2048
    private let clock: any WallClock
    private let shards: [Shard]

    public init(clock: any WallClock, shards: Int = 4) {
        self.clock = clock
        self.shards = (0..<max(1, shards)).map { _ in Shard() }
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
        let minute = Int64(now.timeIntervalSince1970 / 60)
        let route = RouteKey(method: method, route: route)
        shard.state.withLock { s in
            s.statusClasses[min(5, max(0, status / 100))] += 1
            if s.current.index != minute {
                s.previous = s.current.index == minute - 1 ? s.current : Minute()
                s.current = Minute(index: minute)
            }
            s.current.latencies.record(microseconds: microseconds)
            if s.current.routes.count < Self.maximumKeys || s.current.routes[route] != nil { s.current.routes[route, default: 0] += 1 }
            let client = peer
            if s.current.clients.count < Self.maximumKeys || s.current.clients[client] != nil { s.current.clients[client, default: 0] += 1 }
            let entry = RecentRequest(at: now, peer: client, method: method, route: route.route, status: status, microseconds: microseconds)
            if s.recent.count < Self.recentCapacity { s.recent.append(entry) } else { s.recent[s.recentNext] = entry }
            s.recentNext = (s.recentNext + 1) % Self.recentCapacity
        }
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
        let minute = Int64(now.timeIntervalSince1970 / 60)
        // The last full minute and the current one: "the last minute or two".
        var latencies = HistogramSnapshot()
        var routes: [RouteKey: Int] = [:], clients: [IPAddress: Int] = [:]
        var statusClasses = [Int](repeating: 0, count: 6)
        for shard in shards {
            shard.state.withLock { s in
                for part in [s.previous, s.current] where part.index >= minute - 1 {
                    latencies.merge(part.latencies.snapshot())
                    routes.merge(part.routes, uniquingKeysWith: +)
                    clients.merge(part.clients, uniquingKeysWith: +)
                }
                for index in statusClasses.indices { statusClasses[index] += s.statusClasses[index] }
            }
        }
        // Formatted here, once per snapshot, rather than per request.
        func best(_ counts: [String: Int]) -> [NamedCount] {
            counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(top).map { NamedCount(name: $0.key, count: $0.value) }
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
                               topRoutes: best(Dictionary(routes.map { ($0.key.name, $0.value) }, uniquingKeysWith: +)),
                               topClients: best(Dictionary(clients.map { ($0.key.description, $0.value) }, uniquingKeysWith: +)))
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
