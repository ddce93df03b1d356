import Synchronization

/// Deletes of a worker pool's processed messages, sent ten to a call. Each caller still returns only once its
/// own message's delete has been answered, so a pool frees a slot for a message that is gone, as before.
///
/// The first caller to find no batch in flight sends one; deletes that arrive meanwhile wait and go in the
/// next. So batches grow with the load and a lone delete is sent at once. In a profile of wrk posting orders
/// (2026-12-07) the broker's delete path, one call per message, was 2.9 % of the samples. Coalesced, the
/// journal records per order fell from 8.0 to 6.9; CPU per order did not move beyond the runs' noise.
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

    private func sendUntilEmpty() async {
        while true {
            let batch = state.withLock { s -> [Pending] in
                guard !s.pending.isEmpty else {
                    s.sending = false
                    return []
                }
                let count = min(Broker.maximumBatch, s.pending.count)
                defer { s.pending.removeFirst(count) }
                return Array(s.pending.prefix(count))
            }
            guard !batch.isEmpty else { return }
            _ = try? await broker.deleteBatch(queue, receiptHandles: batch.map(\.handle))
            for waiting in batch { waiting.done.resume() }
        }
    }
}
