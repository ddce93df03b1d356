import Dispatch
import Foundation
import Synchronization

/// Wakes `SystemClock`'s sleepers at their deadlines from one thread of its own, instead of a dispatch timer
/// each. The shop's long polls arm a 20-second sleep per receive that finds its queue empty and cancel it
/// when a message comes, thousands of times a second under load; through `Task.sleep` each was a timer armed
/// with libdispatch's manager thread, whose wake-ups were 8–18 % of the process's context switches with wrk
/// posting orders (2026-12-07), and each cancelled timer stayed queued until its deadline. Here arming is an
/// insertion into a heap under a lock — the thread is woken only when the new deadline is the earliest — and
/// cancelling removes the sleeper at once; its heap entry is dropped when it comes to the top, or when the
/// heap is rebuilt.
final class SleepScheduler: Sendable {
    static let shared = SleepScheduler()

    private struct Entry: HeapKeyed {
        var deadline: Int64
        var id: UInt64
        var heapKey: Int64 { deadline }
    }

    private struct State {
        /// Entries whose id is no longer in `sleepers` were cancelled.
        var heap = MinHeap<Entry>()
        var sleepers: [UInt64: CheckedContinuation<Void, any Error>] = [:]
        var nextID: UInt64 = 0
        /// When the thread will next wake by itself (`Int64.max`: not until signalled).
        var plannedWake: Int64 = .max
        var started = false
    }

    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)

    /// Sleepers waiting now, and entries in the heap (cancelled ones not yet dropped included): for tests.
    var counts: (sleepers: Int, entries: Int) { state.withLock { ($0.sleepers.count, $0.heap.count) } }

    /// Suspends until `nanoseconds` of the monotonic clock have passed; throws `CancellationError` if the task
    /// is cancelled first (or already was).
    func sleep(nanoseconds: UInt64) async throws {
        let now = Int64(clamping: DispatchTime.now().uptimeNanoseconds)
        let (sum, overflow) = now.addingReportingOverflow(Int64(clamping: nanoseconds))
        let deadline = overflow ? Int64.max - 1 : min(sum, Int64.max - 1)
        let id = state.withLock { s -> UInt64 in
            s.nextID += 1
            return s.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let (cancelled, signal, start) = state.withLock { s -> (Bool, Bool, Bool) in
                    if Task.isCancelled { return (true, false, false) }
                    s.sleepers[id] = continuation
                    s.heap.insert(Entry(deadline: deadline, id: id))
                    Self.dropCancelledEntries(&s)
                    let start = !s.started
                    s.started = true
                    let signal = deadline < s.plannedWake
                    if signal { s.plannedWake = deadline }
                    return (false, signal, start)
                }
                if cancelled { return continuation.resume(throwing: CancellationError()) }
                if start {
                    let thread = Thread { [self] in run() }
                    thread.name = "sleep-scheduler"
                    thread.start()
                } else if signal {
                    wake.signal()
                }
            }
        } onCancel: {
            state.withLock { $0.sleepers.removeValue(forKey: id) }?.resume(throwing: CancellationError())
        }
    }

    /// The thread: wakes the sleepers whose deadlines have passed, then waits for the next deadline or for
    /// an earlier one to be armed.
    private func run() {
        while true {
            let now = Int64(clamping: DispatchTime.now().uptimeNanoseconds)
            let (due, next) = state.withLock { s -> ([CheckedContinuation<Void, any Error>], Int64) in
                var due: [CheckedContinuation<Void, any Error>] = []
                // Due sleepers are woken; cancelled entries on top are dropped, so the thread never wakes
                // for a sleep that was cancelled.
                while let first = s.heap.first, first.deadline <= now || s.sleepers[first.id] == nil {
                    _ = s.heap.popFirst()
                    if let sleeper = s.sleepers.removeValue(forKey: first.id) { due.append(sleeper) }
                }
                s.plannedWake = s.heap.first?.deadline ?? .max
                return (due, s.plannedWake)
            }
            for sleeper in due { sleeper.resume() }
            if next == .max {
                wake.wait()
            } else {
                _ = wake.wait(timeout: DispatchTime(uptimeNanoseconds: UInt64(next)))
            }
        }
    }

    /// Rebuilds the heap from its live entries once cancelled ones are three in four (and there are over
    /// a thousand): linear work every time the heap has grown fourfold, so a constant share per sleep, and
    /// the heap stays within four times the sleepers.
    private static func dropCancelledEntries(_ s: inout State) {
        guard s.heap.count > 1024, s.heap.count > 4 * s.sleepers.count else { return }
        let live = s.heap.elements.filter { s.sleepers[$0.id] != nil }
        s.heap = MinHeap()
        for entry in live { s.heap.insert(entry) }
    }
}
