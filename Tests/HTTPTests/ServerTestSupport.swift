import Addressing
import Foundation
import Synchronization
import Testing
import Telemetry
@testable import HTTP

/// Runs blocking socket code on its own thread, so that it never holds a cooperative-pool thread that the
/// server's deferred handlers need.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread {
            do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
        }.start()
    }
}

/// A latch that deferred handlers wait on, counting how many have arrived.
final class Gate: Sendable {
    private let state = Mutex<(open: Bool, arrived: Int, waiters: [CheckedContinuation<Void, Never>])>((false, 0, []))
    private let arrivals = WakeSignal()

    func pass() async {
        await withCheckedContinuation { continuation in
            let openNow = state.withLock { s in
                s.arrived += 1
                if !s.open { s.waiters.append(continuation) }
                return s.open
            }
            arrivals.notifyAll()
            if openNow { continuation.resume() }
        }
    }

    func open() {
        let waiters = state.withLock { s in
            s.open = true
            defer { s.waiters.removeAll() }
            return s.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once `count` handlers have reached the gate.
    func waitForArrivals(_ count: Int) async {
        while true {
            let seen = arrivals.generation
            if state.withLock({ $0.arrived }) >= count { return }
            await arrivals.wait(after: seen)
        }
    }
}

/// A server on an ephemeral loopback port with routes for the tests, on a manual clock.
struct TestServer {
    let server: HTTPServer
    let address: SocketAddress
    let clock: ManualClock
    let gate: Gate
    let metrics: MetricsRegistry
    let log: MemoryLogSink

    static func start(limits: HTTPLimits = HTTPLimits(), eventLoops: Int = 2, extraRoutes: (inout Router) -> Void = { _ in }) throws -> TestServer {
        let gate = Gate()
        var router = Router()
        router.get("/hello", .immediate { _, _ in .text("hello") })
        router.get("/json", .immediate { _, _ in .json(#"{"ok":true}"#) })
        router.get("/items/{id}", .immediate { _, context in .text("item \(context.parameter("id"))") })
        router.post("/items", .immediate { request, _ in .json(#"{"received":\#(request.body.count)}"#, status: 201) })
        router.get("/peer", .immediate { _, context in .text(context.peer.ip.description) })
        router.get("/slow", .deferred { _, _ in
            await gate.pass()
            return .text("slow done")
        })
        router.get("/either", .fastPath({ request, context in
            context.attachment = "noted on the loop"
            return request.query == "fast" ? .text("on the loop") : nil
        }, otherwise: { _, context in .text("in a task, \(context.attachment as? String ?? "nothing noted")") }))
        router.get("/fails", .immediate { _, _ throws(HTTPError) in throw HTTPError.invalidField("quantity must be positive") })
        extraRoutes(&router)
        var configuration = HTTPServerConfiguration(address: SocketAddress(ip: .v4(0x7F00_0001), port: 0), eventLoops: eventLoops, limits: limits)
        configuration.backlog = 2048
        let clock = ManualClock()
        let metrics = MetricsRegistry()
        let log = MemoryLogSink()
        let server = HTTPServer(configuration: configuration, router: router, clock: clock, metrics: metrics,
                                accessLog: Logger(label: "access", sink: log, clock: clock))
        let address = try server.start()
        return TestServer(server: server, address: address, clock: clock, gate: gate, metrics: metrics, log: log)
    }

    /// How long a client waits for an answer that will come: generous, since the whole suite shares two
    /// cores with crash tests and child servers, and a wait that ends early is a false failure. The runner
    /// starts every test at once, and in full runs on this machine even trivial tests report 35–66 s (their
    /// turn on the cooperative pool's two threads); a GET whose handler runs in a task, so queues there too,
    /// gave up at 30 s in one such run (2026-12-07). A hang is still caught, after two minutes.
    static let patience: Double = 120

    func connect(from source: IPAddress? = nil) throws -> HTTPClientConnection {
        try HTTPClientConnection(to: address, from: source, timeout: TestServer.patience)
    }

    /// A new connection that has sent `text` and that the server has accepted (its timeouts have started).
    func connectionAfterSending(_ text: String) async throws -> HTTPClientConnection {
        let address = address
        let connection = try await offPool {
            let connection = try HTTPClientConnection(to: address, timeout: TestServer.patience)
            try connection.sendRaw(Array(text.utf8))
            return connection
        }
        try await eventually { await server.socketCount() == 1 }
        return connection
    }

    /// Sends raw bytes on a new connection and returns everything the server sent until it closed.
    func exchangeRaw(_ text: String) async throws -> String {
        let address = address
        return try await offPool {
            let connection = try HTTPClientConnection(to: address, timeout: TestServer.patience)
            try connection.sendRaw(Array(text.utf8))
            return String(decoding: connection.readUntilClosed(), as: UTF8.self)
        }
    }

    func get(_ target: String, headers: HTTPHeaders = HTTPHeaders()) async throws -> HTTPClientResponse {
        let address = address
        return try await offPool {
            try HTTPClientConnection(to: address, timeout: TestServer.patience).send(.get(target, headers: headers))
        }
    }
}

/// The status code of the first response in raw response text.
func statusCode(_ raw: String) -> Int? {
    guard raw.hasPrefix("HTTP/1.1 ") else { return nil }
    return Int(raw.dropFirst(9).prefix(3))
}

/// Polls `condition` (yielding between tries) until it holds; fails after a generous number of tries.
func eventually(_ condition: () async throws -> Bool) async throws {
    for _ in 0..<20_000 {
        if try await condition() { return }
        try await Task.sleep(nanoseconds: 1_000_000)
    }
    Issue.record("condition never held")
}
