import Addressing
import Foundation
import HTTP
import Synchronization
import Telemetry

/// Closed-loop HTTP load from threads with blocking keep-alive connections: each connection sends a request,
/// waits for the answer and sends the next, so the figures are what that many clients get.
enum HTTPLoad {
    struct Outcome {
        var requestsPerSecond: Double
        var latency: HistogramSnapshot
        var errors: Int
    }

    static func run(to address: SocketAddress, connections: Int, seconds: Double, request: HTTPClientRequest) async throws -> Outcome {
        try await run(to: address, connections: connections, seconds: seconds) { _, _ in request }
    }

    /// Like `run(…request:)`, with each request made by `makeRequest(connection, sequence)` (unique keys, say);
    /// a request counts when its status is `expected` (any below 400 when nil).
    static func run(to address: SocketAddress, connections: Int, seconds: Double, expected: Int? = nil,
                    makeRequest: @escaping @Sendable (Int, Int) -> HTTPClientRequest) async throws -> Outcome {
        let histogram = LatencyHistogram()
        let completed = Atomic<Int>(0)
        let failures = Atomic<Int>(0)
        let started = monotonicSeconds()
        let deadline = started + seconds
        await onThreads(connections) { index in
            guard let connection = try? HTTPClientConnection(to: address, timeout: 10) else {
                failures.add(1, ordering: .relaxed)
                return
            }
            var sequence = 0
            while monotonicSeconds() < deadline {
                let began = monotonicSeconds()
                sequence += 1
                do {
                    let response = try connection.send(makeRequest(index, sequence))
                    let ok = expected.map { response.status == $0 } ?? (response.status < 400)
                    if !ok {
                        failures.add(1, ordering: .relaxed)
                        continue
                    }
                } catch {
                    failures.add(1, ordering: .relaxed)
                    return
                }
                histogram.record(seconds: monotonicSeconds() - began)
                completed.add(1, ordering: .relaxed)
            }
        }
        let elapsed = monotonicSeconds() - started
        return Outcome(requestsPerSecond: Double(completed.load(ordering: .relaxed)) / elapsed,
                       latency: histogram.snapshot(), errors: failures.load(ordering: .relaxed))
    }

    /// Opens `count` keep-alive connections that each make one request and then stay idle.
    static func openIdle(to address: SocketAddress, count: Int, target: String) async throws -> [HTTPClientConnection] {
        let opened = Mutex<[HTTPClientConnection]>([])
        let failure = Mutex<(any Error)?>(nil)
        await onThreads(16) { worker in
            for index in stride(from: worker, to: count, by: 16) {
                _ = index
                do {
                    let connection = try HTTPClientConnection(to: address, timeout: 10)
                    _ = try connection.send(.get(target))
                    opened.withLock { $0.append(connection) }
                } catch {
                    failure.withLock { $0 = error }
                    return
                }
            }
        }
        if let error = failure.withLock({ $0 }) { throw RuntimeFailure(description: "opening idle connections: \(error)") }
        return opened.withLock { $0 }
    }

    /// Runs `body(index)` on `count` threads of its own and returns when all have finished.
    static func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let remaining = Atomic<Int>(count)
            let box = ContinuationBox(continuation)
            for index in 0..<count {
                let thread = Thread {
                    body(index)
                    if remaining.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 { box.resume() }
                }
                thread.stackSize = 256 * 1024
                thread.start()
            }
        }
    }

    private final class ContinuationBox: Sendable {
        let continuation: CheckedContinuation<Void, Never>
        init(_ continuation: CheckedContinuation<Void, Never>) { self.continuation = continuation }
        func resume() { continuation.resume() }
    }

    static func monotonicSeconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
