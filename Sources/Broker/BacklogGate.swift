import Synchronization

/// Where a worker pool's extra pollers wait while its queue has no backlog. The lead poller long-polls and
/// opens the gate when a receive comes back full; the extra pollers then receive without waiting until the
/// queue runs short, and park here again. So an idle or lightly used queue costs one long poll — one timer
/// per wait — however many pollers its pool may run, and a backlog still gets them all.
///
/// Openings are counted, so a poller that parks after an opening it has not seen (the lead opened while the
/// poller's own receive was under way, or before it first parked) goes straight back to work.
final class BacklogGate: Sendable {
    private struct State {
        var parked: [CheckedContinuation<Void, Never>] = []
        var openings: UInt64 = 0
        var closed = false
    }

    private let state = Mutex(State())

    /// How many times the gate has opened so far; read before a receive, to park after it.
    var openings: UInt64 { state.withLock { $0.openings } }

    /// Waits until the gate opens after the `seen`-th opening, or closes (then returns at once, from now on).
    func park(after seen: UInt64) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let wait = state.withLock { s -> Bool in
                guard !s.closed, s.openings == seen else { return false }
                s.parked.append(continuation)
                return true
            }
            if !wait { continuation.resume() }
        }
    }

    /// Sends every parked poller to work.
    func open() {
        let woken = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.openings += 1
            defer { s.parked.removeAll() }
            return s.parked
        }
        for poller in woken { poller.resume() }
    }

    /// Releases every parked poller for good: the pool is stopping.
    func close() {
        state.withLock { $0.closed = true }
        open()
    }
}
