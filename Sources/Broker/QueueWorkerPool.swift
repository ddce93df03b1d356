import Synchronization

/// The in-process "Lambda": polls a queue and runs `handler` on each message with at most `concurrency`
/// handlers running at once. A message whose handler returns is deleted; one whose handler throws is left
/// alone, so it comes back after its visibility timeout — and goes to the dead-letter queue after the
/// queue's `maxReceiveCount`.
public final class QueueWorkerPool: Sendable {
    /// What the pool has done so far.
    public struct Stats: Sendable, Equatable {
        public var succeeded = 0
        public var failed = 0
        public var running = 0
    }

    public let queue: String
    public let concurrency: Int
    private let broker: any MessageBroker
    private let batchSize: Int
    private let waitSeconds: Double
    private let handler: @Sendable (ReceivedMessage) async throws -> Void
    private let counters = Mutex(Stats())
    private let poller = Mutex<Task<Void, Never>?>(nil)
    private let deletes: DeleteCoalescer

    /// A pool for `queue`; call `start()` to begin.
    public init(broker: any MessageBroker, queue: String, concurrency: Int = 4, batchSize: Int = 10, waitSeconds: Double = 20,
                handler: @escaping @Sendable (ReceivedMessage) async throws -> Void) {
        precondition(concurrency >= 1 && (1...Broker.maximumBatch).contains(batchSize) && (0...20).contains(waitSeconds),
                     "worker pool settings out of range")
        self.broker = broker
        self.queue = queue
        self.concurrency = concurrency
        self.batchSize = batchSize
        self.waitSeconds = waitSeconds
        self.handler = handler
        deletes = DeleteCoalescer(broker: broker, queue: queue)
    }

    public var stats: Stats { counters.withLock { $0 } }

    /// Starts polling (does nothing if already started).
    public func start() {
        poller.withLock { task in
            guard task == nil else { return }
            task = Task { await self.run() }
        }
    }

    /// Stops polling and waits for the handlers already running to finish.
    public func stop() async {
        let task = poller.withLock { task in
            defer { task = nil }
            return task
        }
        task?.cancel()
        await task?.value
    }

    /// How many receives a pool keeps going at once while its queue has a backlog: one per batch its
    /// concurrency holds, at most `maximumPollers`. A receive is a durable write (it counts the delivery), so
    /// one poller waits a group commit per batch: with wrk posting orders (2026-12-07) checkout's single
    /// poller capped its drain at ~5,600 orders/s — ten messages per ~1.8 ms — with a core idle. Lambda's SQS
    /// pollers likewise run several batches at once. Only the first long-polls; the others wait for a backlog
    /// (`BacklogGate`).
    public var pollers: Int { min(Self.maximumPollers, (concurrency + batchSize - 1) / batchSize) }
    static let maximumPollers = 8

    private func run() async {
        let slots = SlotGate(count: concurrency)
        let backlog = BacklogGate()
        await withTaskCancellationHandler {
            await withDiscardingTaskGroup { pollers in
                pollers.addTask { await self.poll(slots, backlog: backlog, lead: true) }
                for _ in 1..<self.pollers {
                    pollers.addTask { await self.poll(slots, backlog: backlog, lead: false) }
                }
            }
        } onCancel: {
            backlog.close()
        }
    }

    /// One poller: receives into free slots and hands each message to a handler of its own. The lead
    /// long-polls and opens `backlog` when a receive comes back full; the others wait at `backlog` and then
    /// receive without waiting until a receive comes back short.
    private func poll(_ slots: SlotGate, backlog: BacklogGate, lead: Bool) async {
        await withDiscardingTaskGroup { group in
            // The gate's openings when this poller last found the queue short; nil while it is receiving.
            var parkedAfter: UInt64? = lead ? nil : 0
            while !Task.isCancelled {
                if let seen = parkedAfter {
                    await backlog.park(after: seen)
                    parkedAfter = nil
                    continue
                }
                let openings = backlog.openings
                // Wait for one free slot, then take whatever else is free, up to a batch.
                await slots.acquire()
                let wanted = 1 + slots.tryAcquire(upTo: batchSize - 1)
                let messages: [ReceivedMessage]
                let asked = ContinuousClock.now
                do {
                    messages = try await broker.receive(queue, maximum: wanted, waitSeconds: lead ? waitSeconds : 0)
                } catch {
                    // The queue is gone or the broker closed: nothing more to do.
                    slots.release(wanted)
                    break
                }
                slots.release(wanted - messages.count)
                if messages.count < wanted {
                    if !lead { parkedAfter = openings }
                } else if lead, wanted == batchSize {
                    backlog.open()
                }
                // A broker that answered "nothing" at once, without its long poll (an emulator with waits
                // capped), is asked again after a pause rather than in a tight loop.
                if lead, messages.isEmpty, ContinuousClock.now - asked < .seconds(waitSeconds / 2) {
                    try? await Task.sleep(for: .milliseconds(250))
                }
                for message in messages {
                    counters.withLock { $0.running += 1 }
                    group.addTask {
                        await self.process(message)
                        slots.release(1)
                    }
                }
            }
        }
    }

    private func process(_ message: ReceivedMessage) async {
        do {
            try await handler(message)
            await deletes.delete(message.receiptHandle)
            counters.withLock { $0.succeeded += 1; $0.running -= 1 }
        } catch {
            counters.withLock { $0.failed += 1; $0.running -= 1 }
        }
    }
}

/// A counting gate for bounded concurrency: `acquire` waits for a free slot.
final class SlotGate: Sendable {
    private struct State {
        var free: Int
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state: Mutex<State>

    init(count: Int) { state = Mutex(State(free: count)) }

    func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let granted = state.withLock { s in
                guard s.free > 0 else {
                    s.waiters.append(continuation)
                    return false
                }
                s.free -= 1
                return true
            }
            if granted { continuation.resume() }
        }
    }

    /// Takes up to `limit` free slots without waiting; returns how many.
    func tryAcquire(upTo limit: Int) -> Int {
        state.withLock { s in
            let taken = min(limit, s.free)
            s.free -= taken
            return taken
        }
    }

    func release(_ count: Int) {
        guard count > 0 else { return }
        let woken = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            var woken: [CheckedContinuation<Void, Never>] = []
            for _ in 0..<count {
                if s.waiters.isEmpty { s.free += 1 } else { woken.append(s.waiters.removeFirst()) }
            }
            return woken
        }
        for waiter in woken { waiter.resume() }
    }
}
