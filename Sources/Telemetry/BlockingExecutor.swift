import Foundation
import Synchronization

/// A fixed set of threads for blocking or CPU-heavy calls (socket waits, password hashing), so that they never
/// occupy the cooperative thread pool that async code — including the server's own handlers — needs.
public final class BlockingExecutor: Sendable {
    private struct State {
        var jobs: [@Sendable () -> Void] = []
        var head = 0
        var stopped = false
    }

    private let state = Mutex(State())
    private let available = DispatchSemaphore(value: 0)
    public let threadCount: Int
    /// Most jobs waiting for a thread; `run` refuses more (nil for no limit).
    public let maxQueued: Int?

    public init(threads: Int, name: String, maxQueued: Int? = nil) {
        self.maxQueued = maxQueued
        threadCount = max(1, threads)
        for index in 0..<threadCount {
            let thread = Thread { [self] in
                FatalSignals.prepareAlternateStack()
                work()
            }
            thread.name = "\(name)-\(index)"
            thread.start()
        }
    }

    /// Runs `body` on one of the threads and returns its result.
    public func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            submit(force: true) { continuation.resume(returning: body()) }
        }
    }

    /// Like `run`, but nil at once when `maxQueued` jobs are already waiting (the caller answers "busy").
    public func runIfNotSaturated<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T? {
        await withCheckedContinuation { (continuation: CheckedContinuation<T?, Never>) in
            let queued = submit(force: false) { continuation.resume(returning: body()) }
            if !queued { continuation.resume(returning: nil) }
        }
    }

    @discardableResult
    private func submit(force: Bool, _ job: @escaping @Sendable () -> Void) -> Bool {
        enum Outcome { case queued, full, stopped }
        let outcome: Outcome = state.withLock { s in
            guard !s.stopped else { return .stopped }
            if !force, let maxQueued, s.jobs.count - s.head >= maxQueued { return .full }
            s.jobs.append(job)
            return .queued
        }
        switch outcome {
        case .queued: available.signal()
        case .stopped: job()
        case .full: return false
        }
        return true
    }

    /// Lets the threads finish the queued jobs and exit.
    public func stop() {
        state.withLock { $0.stopped = true }
        for _ in 0..<threadCount { available.signal() }
    }

    private func work() {
        while true {
            available.wait()
            let job: (@Sendable () -> Void)? = state.withLock { s in
                guard s.head < s.jobs.count else { return nil }
                let job = s.jobs[s.head]
                s.head += 1
                if s.head > 1024, s.head * 2 > s.jobs.count {
                    s.jobs.removeFirst(s.head)
                    s.head = 0
                }
                return job
            }
            guard let job else {
                if state.withLock({ $0.stopped }) { return }
                continue
            }
            job()
        }
    }
}
