import Dispatch
import Synchronization

/// Runs CPU-heavy work (training, aggregating an export) on a GCD queue instead of Swift's cooperative
/// thread pool: on two cores, a training run holding both cooperative threads would starve every request
/// handler and worker until it finished. Cancelling the waiting task (the core closing) stops the wait at
/// once; the work itself runs to its end in the background and its result is dropped — every step it
/// serves is idempotent and resumes after a restart.
func offload<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    let waiter = OffloadWaiter<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            waiter.set(continuation)
            DispatchQueue.global(qos: .utility).async {
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
