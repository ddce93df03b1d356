import Addressing
import Foundation
import Synchronization
import Telemetry

/// Where and how the server listens.
public struct HTTPServerConfiguration: Sendable {
    /// Address to bind; port 0 picks a free port (see `HTTPServer.start`'s result).
    public var address: SocketAddress
    /// Event loops (threads); one per core by default.
    public var eventLoops: Int
    public var limits: HTTPLimits
    /// Pending-connection queue length passed to `listen`.
    public var backlog: Int32 = 4096

    public init(address: SocketAddress = SocketAddress(ip: .v4(0x7F00_0001), port: 8080),
                eventLoops: Int = max(1, ProcessInfo.processInfo.activeProcessorCount), limits: HTTPLimits = HTTPLimits()) {
        self.address = address
        self.eventLoops = max(1, eventLoops)
        self.limits = limits
    }
}

/// How a graceful shutdown went.
public struct HTTPShutdownReport: Sendable, Equatable {
    /// Whether every connection had finished before the grace period ran out.
    public var drained: Bool
    /// Connections still busy at the deadline and closed anyway.
    public var forciblyClosed: Int
}

/// An HTTP/1.1 server: an epoll event loop per core, keep-alive and pipelining, limits and timeouts,
/// routes answered on the loop (`immediate`) or in tasks (`deferred`) so that slow handlers never stall
/// other connections.
public final class HTTPServer: Sendable {
    private enum Phase: Sendable {
        case created
        case running(address: SocketAddress)
        case stopping
        case stopped
    }

    private let configuration: HTTPServerConfiguration
    private let environment: ServerEnvironment
    private let state = Mutex<(phase: Phase, loops: [EventLoop])>((.created, []))

    /// - Parameters:
    ///   - clock: drives every timeout (header, body, idle, linger, shutdown grace).
    ///   - metrics: receives per-route counts and latencies and connection counters.
    ///   - accessLog: one line per answered request when given.
    ///   - observer: told of every answered request (a live dashboard).
    public init(configuration: HTTPServerConfiguration, router: Router, clock: any WallClock = SystemClock(),
                metrics: MetricsRegistry = MetricsRegistry(), accessLog: Logger? = nil, observer: (any RequestObserver)? = nil) {
        self.configuration = configuration
        let limiter = ConnectionLimiter(maxTotal: configuration.limits.maxConnections, maxPerIP: configuration.limits.maxConnectionsPerIP)
        environment = ServerEnvironment(
            router: router, limits: configuration.limits, clock: clock,
            metrics: ServerMetrics(registry: metrics, router: router, openConnections: { Double(limiter.openCount) }),
            accessLog: accessLog.map { AccessLog(logger: $0) }, observer: observer, limiter: limiter,
            requestIDs: RequestIDGenerator(), drainSignal: WakeSignal())
    }

    /// Binds and starts the event loops; returns the bound address (with the chosen port when asked for 0).
    @discardableResult
    public func start() throws(SocketError) -> SocketAddress {
        let created = state.withLock { s -> Bool in
            if case .created = s.phase { return true }
            return false
        }
        guard created else { throw SocketError("start", code: EALREADY) }
        let listener = try Socket.listen(on: configuration.address, backlog: configuration.backlog)
        let bound = Socket.localAddress(listener) ?? configuration.address
        var loops: [EventLoop] = []
        do throws(SocketError) {
            for index in 0..<configuration.eventLoops {
                loops.append(try EventLoop(index: index, listenerFD: index == 0 ? listener : -1, environment: environment))
            }
        } catch {
            close(listener)
            throw error
        }
        for loop in loops { loop.siblings = loops }
        state.withLock { s in
            s.phase = .running(address: bound)
            s.loops = loops
        }
        for loop in loops { loop.start() }
        return bound
    }

    /// The bound address while running.
    public var address: SocketAddress? {
        state.withLock { s in
            if case .running(let address) = s.phase { return address }
            return nil
        }
    }

    /// Open client connections that hold a slot under the connection limits.
    public var openConnections: Int { environment.limiter.openCount }

    /// Every open socket on the loops, including refused and lingering ones.
    public func socketCount() async -> Int {
        var total = 0
        for loop in loops { total += await loop.perform { $0.connections.count } }
        return total
    }

    /// Applies the timeouts now instead of at the next periodic check (a few times a second); tests that
    /// move a `ManualClock` call this to see its effect at once.
    public func checkTimeouts() async {
        for loop in loops {
            await loop.perform { loop in
                loop.refreshTime()
                loop.sweep()
            }
        }
    }

    /// Writes the access-log lines the loops hold (they otherwise go out a few times a second).
    public func flushAccessLog() async {
        for loop in loops {
            await loop.perform { loop in loop.environment.accessLog?.flush(&loop.accessLogBuffer) }
        }
    }

    /// Stops accepting, lets requests in progress finish and closes idle connections, for at most `grace`
    /// seconds on the server's clock; then closes whatever is left and stops the loops.
    @discardableResult
    public func shutdown(grace: Double = 5) async -> HTTPShutdownReport {
        let loops: [EventLoop] = state.withLock { s in
            guard case .running = s.phase else { return [] }
            s.phase = .stopping
            return s.loops
        }
        guard !loops.isEmpty else { return HTTPShutdownReport(drained: true, forciblyClosed: 0) }
        let signal = environment.drainSignal
        for loop in loops { await loop.perform { $0.beginDrain() } }
        let deadline = environment.clock.now().addingTimeInterval(grace)
        var busy = 0
        while true {
            let seen = signal.generation
            busy = 0
            for loop in loops { busy += await loop.perform { $0.busyConnectionCount } }
            if busy == 0 || environment.clock.now() >= deadline { break }
            await signal.wait(after: seen, until: deadline, clock: environment.clock)
        }
        for loop in loops { loop.post(.run { $0.stop() }) }
        for loop in loops { await loop.waitForExit() }
        state.withLock { $0.phase = .stopped }
        return HTTPShutdownReport(drained: busy == 0, forciblyClosed: busy)
    }

    private var loops: [EventLoop] { state.withLock { $0.loops } }
}

extension HTTPServer {
    /// Raises this process's open-file limit to its hard maximum, since every connection takes a descriptor
    /// and the usual soft limit (1,024) is below what a server is expected to hold; returns the new limit.
    @discardableResult
    public static func raiseOpenFileLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
        if limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
            _ = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        return Int(limit.rlim_cur)
    }
}
