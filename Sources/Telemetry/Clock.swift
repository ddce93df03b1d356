import Foundation
import Synchronization

/// Where time comes from. Every time-dependent rule (windows, timeouts, TTLs, schedules, backoff)
/// asks one of these, so tests drive time with a `ManualClock` instead of waiting.
///
/// Named `WallClock` rather than `Clock` so it does not shadow the standard library's `Clock`.
public protocol WallClock: Sendable {
    /// The current wall-clock time.
    func now() -> Date
    /// Suspends until `deadline` has been reached on this clock; throws `CancellationError` if the task is cancelled.
    func sleep(until deadline: Date) async throws
}

extension WallClock {
    /// Suspends for `seconds` of this clock's time.
    public func sleep(seconds: Double) async throws {
        try await sleep(until: now().addingTimeInterval(seconds))
    }
}

/// The real clock.
public struct SystemClock: WallClock {
    public init() {}

    public func now() -> Date { Date() }

    public func sleep(until deadline: Date) async throws {
        let interval = deadline.timeIntervalSinceNow
        if interval > 0 {
            // Far-off deadlines are capped (about 292 years) rather than overflowing.
            try await SleepScheduler.shared.sleep(nanoseconds: UInt64(min(interval, 9e9) * 1_000_000_000))
        } else {
            try Task.checkCancellation()
        }
    }
}

/// A clock that moves only when a test moves it. Sleepers wake when `advance` passes their deadline.
public final class ManualClock: WallClock {
    private struct Sleeper {
        let id: UInt64
        let deadline: Date
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Date
        var sleepers: [Sleeper] = []
        var nextID: UInt64 = 0
    }

    private let state: Mutex<State>

    /// A clock standing at `start` (by default 2026-01-01T00:00:00Z, so tests are reproducible).
    public init(start: Date = Date(timeIntervalSince1970: 1_767_225_600)) {
        state = Mutex(State(now: start))
    }

    public func now() -> Date { state.withLock { $0.now } }

    /// How many tasks are suspended in `sleep` right now; lets a test wait until a loop is parked.
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    /// Moves time forward by `seconds` and wakes every sleeper whose deadline has come.
    public func advance(by seconds: Double) {
        let due: [Sleeper] = state.withLock { s in
            s.now = s.now.addingTimeInterval(seconds)
            let now = s.now
            let due = s.sleepers.filter { $0.deadline <= now }
            s.sleepers.removeAll { $0.deadline <= now }
            return due
        }
        for sleeper in due { sleeper.continuation.resume() }
    }

    /// Moves time to `date` (never backwards).
    public func advance(to date: Date) {
        let delta = date.timeIntervalSince(now())
        if delta > 0 { advance(by: delta) }
    }

    public func sleep(until deadline: Date) async throws {
        let id: UInt64 = state.withLock { s in
            s.nextID += 1
            return s.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow: Bool = state.withLock { s in
                    if deadline <= s.now || Task.isCancelled { return true }
                    s.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let cancelled: Sleeper? = state.withLock { s in
                guard let index = s.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return s.sleepers.remove(at: index)
            }
            cancelled?.continuation.resume(throwing: CancellationError())
        }
        try Task.checkCancellation()
    }
}
