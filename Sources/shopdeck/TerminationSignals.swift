import Dispatch
import Foundation
import Synchronization

/// Turns SIGINT and SIGTERM into an awaitable event. Created before anything slow starts, so that a signal
/// arriving during start-up is kept, not lost to the default handler. A second signal ends the process at once.
final class TerminationSignals: Sendable {
    private struct State {
        var received: Int32?
        var waiter: CheckedContinuation<Int32, Never>?
        var onRepeat: (@Sendable () -> Void)?
    }

    /// In a box of its own so the signal handlers can hold it before `self` is fully initialised.
    private final class Shared: Sendable {
        let state = Mutex(State())
    }

    private let shared = Shared()
    /// The dispatch sources, kept alive for the life of the process. `nonisolated(unsafe)`: written once in
    /// `init` and never read or mutated afterwards, so no thread can race on it.
    private nonisolated(unsafe) let sources: [any DispatchSourceSignal]

    init() {
        let shared = self.shared
        sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                let (waiter, repeated): (CheckedContinuation<Int32, Never>?, (@Sendable () -> Void)?) = shared.state.withLock { s in
                    if s.received != nil { return (nil, s.onRepeat ?? {}) }
                    s.received = number
                    defer { s.waiter = nil }
                    return (s.waiter, nil)
                }
                if let repeated {
                    repeated()
                    exit(1)
                }
                waiter?.resume(returning: number)
            }
            source.resume()
            return source
        }
        signal(SIGPIPE, SIG_IGN)
    }

    /// The first termination signal (returns at once if one already came).
    func next() async -> Int32 {
        await withCheckedContinuation { continuation in
            let already: Int32? = shared.state.withLock { s in
                if s.received == nil { s.waiter = continuation }
                return s.received
            }
            if let already { continuation.resume(returning: already) }
        }
    }

    /// What to say before exiting on a second signal.
    func onRepeat(_ body: @escaping @Sendable () -> Void) {
        shared.state.withLock { $0.onRepeat = body }
    }
}
