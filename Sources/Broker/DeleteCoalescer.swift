import Synchronization

/// Deletes of a worker pool's processed messages, sent ten to a call, the calls together. Each caller still
/// returns only once its own message's delete has been answered, so a pool frees a slot for a message that is
/// gone, as before.
///
/// The first caller to find no deletes in flight sends them; deletes that arrive meanwhile wait and go in the
/// next round. So rounds grow with the load (at most a pool's concurrency) and a lone delete is sent at once.
/// In a profile of wrk posting orders (2026-12-07) the broker's delete path, one call per message, was 2.9 %
/// of the samples. Coalesced, the journal records per order fell from 8.0 to 6.9; CPU per order did not move
/// beyond the runs' noise.
final class DeleteCoalescer: Sendable {
    private struct Pending {
        var handle: String
        var done: CheckedContinuation<Void, Never>
    }

    private struct State {
        var pending: [Pending] = []
        var sending = false
    }

    private let broker: any MessageBroker
    private let queue: String
    private let state = Mutex(State())

    init(broker: any MessageBroker, queue: String) {
        self.broker = broker
        self.queue = queue
    }

    /// Deletes the message `handle` names, with whatever other deletes are waiting. A failed delete is left
    /// to the visibility timeout, as a failed single delete was: the message comes back and is handled again.
    func delete(_ handle: String) async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let leads = state.withLock { s -> Bool in
                s.pending.append(Pending(handle: handle, done: done))
                guard !s.sending else { return false }
                s.sending = true
                return true
            }
            if leads { Task { await sendUntilEmpty() } }
        }
    }

    /// Sends what is waiting, ten to a call and every call at once, until nothing is left. One call at a time
    /// capped a pool at ten deletes per journal commit — some 5,000 a second with commits held up to 2 ms
    /// (`BatchPlanner.maximumWait`) — below what checkout drains once its receives overlap.
    private func sendUntilEmpty() async {
        while true {
            let batch = state.withLock { s -> [Pending] in
                guard !s.pending.isEmpty else {
                    s.sending = false
                    return []
                }
                defer { s.pending.removeAll(keepingCapacity: true) }
                return s.pending
            }
            guard !batch.isEmpty else { return }
            await withDiscardingTaskGroup { group in
                for start in stride(from: 0, to: batch.count, by: Broker.maximumBatch) {
                    let chunk = batch[start..<min(start + Broker.maximumBatch, batch.count)]
                    group.addTask {
                        _ = try? await self.broker.deleteBatch(self.queue, receiptHandles: chunk.map(\.handle))
                        for waiting in chunk { waiting.done.resume() }
                    }
                }
            }
        }
    }
}
