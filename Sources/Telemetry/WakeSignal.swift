import Foundation
import Synchronization

/// Wakes tasks waiting for something new (long polling: a change in a feed, a message in a queue),
/// without losing a wake-up that happens between "nothing there" and "start waiting": waiters name the
/// generation they saw, and a wait after the generation moved returns at once.
public final class WakeSignal: Sendable {
    private struct State {
        var generation: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextID: UInt64 = 0
        var closed = false
    }

    private let state = Mutex(State())

    public init() {}

    /// How many tasks are waiting now.
    public var waiterCount: Int { state.withLock { $0.waiters.count } }

    /// The current generation; read it before checking for work, pass it to `wait` after finding none.
    public var generation: UInt64 { state.withLock { $0.generation } }

    /// Moves the generation on and wakes every waiter.
    public func notifyAll() {
        let waiters = state.withLock { s in
            s.generation += 1
            defer { s.waiters.removeAll() }
            return Array(s.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Moves the generation on and wakes at most `count` waiters: for `count` new pieces of work that one
    /// waiter each can take. The rest sleep on; a wait begun before this call but not yet asleep still
    /// returns at once, for the generation moved.
    ///
    /// With `notifyAll`, one message sent to a queue that many clients long-poll (the SQS API's consumers,
    /// `bench broker`'s sixteen) woke them all, and all but one armed a new timer and waited again. The
    /// shop's own worker pools poll each queue with one receive at a time, so they never formed that herd.
    public func notify(waking count: Int) {
        let waiters = state.withLock { s in
            s.generation += 1
            // The ids are taken out first: removing while iterating `keys` would copy the whole dictionary.
            let ids = Array(s.waiters.keys.prefix(max(0, count)))
            return ids.compactMap { s.waiters.removeValue(forKey: $0) }
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Wakes every waiter and makes later waits return at once (for shutdown).
    public func closeAll() {
        state.withLock { $0.closed = true }
        notifyAll()
    }

    /// Returns when the generation moves past `seen`, when `deadline` passes on `clock`, or on cancellation.
    public func wait(after seen: UInt64, until deadline: Date, clock: any WallClock) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.waitForGeneration(after: seen) }
            group.addTask { try? await clock.sleep(until: deadline) }
            await group.next()
            group.cancelAll()
        }
    }

    /// Returns when the generation moves past `seen`, or on cancellation.
    public func wait(after seen: UInt64) async {
        await waitForGeneration(after: seen)
    }

    private func waitForGeneration(after seen: UInt64) async {
        let id = state.withLock { s in
            s.nextID += 1
            return s.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { s in
                    if s.generation != seen || s.closed || Task.isCancelled { return true }
                    s.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }
}
