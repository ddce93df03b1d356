import Foundation
import Synchronization

/// Runs CPU-heavy work (training, aggregating an export) on the heavy-work threads instead of Swift's
/// cooperative thread pool: on two cores, a training run holding both cooperative threads would starve every
/// request handler and worker until it finished. Cancelling the waiting task (the core closing) stops the
/// wait at once; the work itself runs to its end in the background and its result is dropped — every step
/// it serves is idempotent and resumes after a restart.
func offload<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    let waiter = OffloadWaiter<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            waiter.set(continuation)
            HeavyWorkThreads.shared.run {
                let result = Result { try work() }
                // The job's transient memory (histories, matrices) is free now; without this it stays resident.
                ProcessMemory.giveBack()
                waiter.finish(result)
            }
        }
    } onCancel: {
        waiter.finish(.failure(CancellationError()))
    }
}

/// A few long-lived threads, one per core, that run offloaded jobs in turn. Long-lived on purpose: glibc gives
/// each thread a malloc arena, and a job's transient garbage (a run's histories and matrices) then stays in
/// arenas that only such jobs use, where the next run reuses it — on GCD's workers, which also run the
/// cooperative pool, it was interleaved with the shop's long-lived objects, which pinned its pages.
final class HeavyWorkThreads: Sendable {
    static let shared = HeavyWorkThreads(count: max(1, ProcessInfo.processInfo.activeProcessorCount))

    private let jobs = Mutex<[@Sendable () -> Void]>([])
    private let waiting = DispatchSemaphore(value: 0)

    private init(count: Int) {
        for index in 0..<count {
            let thread = Thread { [self] in
                while true {
                    waiting.wait()
                    let job = jobs.withLock { $0.removeFirst() }
                    job()
                }
            }
            thread.name = "shopdeck-heavy-\(index)"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    func run(_ job: @escaping @Sendable () -> Void) {
        jobs.withLock { $0.append(job) }
        waiting.signal()
    }
}

/// The continuation an offloaded job resumes, exactly once: by the job finishing or by cancellation,
/// whichever comes first.
private final class OffloadWaiter<T: Sendable>: Sendable {
    private let state = Mutex<(continuation: CheckedContinuation<T, any Error>?, early: Result<T, any Error>?)>((nil, nil))

    func set(_ continuation: CheckedContinuation<T, any Error>) {
        let early = state.withLock { s -> Result<T, any Error>? in
            if let early = s.early { return early }
            s.continuation = continuation
            return nil
        }
        if let early { continuation.resume(with: early) }
    }

    func finish(_ result: Result<T, any Error>) {
        let continuation = state.withLock { s -> CheckedContinuation<T, any Error>? in
            guard let waiting = s.continuation else {
                if s.early == nil { s.early = result }
                return nil
            }
            s.continuation = nil
            s.early = result
            return waiting
        }
        continuation?.resume(with: result)
    }
}
