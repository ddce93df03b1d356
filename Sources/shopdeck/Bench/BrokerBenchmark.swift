import Broker
import Foundation
import Workflow
import Synchronization
import Telemetry

/// `shopdeck bench broker`: durable send → receive → delete through standard and FIFO queues with 1 and 16
/// clients and batches of 1 and 10, publish fan-out to 3 queues, enqueue latency at half the best
/// measured load, and saga steps.
struct BrokerBenchmark {
    let directory: String
    let quick: Bool

    var seconds: Double { quick ? 1 : 5 }

    func run(progress: (String) -> Void) async throws -> BenchReport {
        var report = BenchReport(bench: "broker")
        var options = BrokerOptions()
        options.maintenanceIntervalSeconds = nil
        let broker = try Broker(directory: directory + "/broker", options: options)
        var best = 0.0
        for fifo in [false, true] {
            for clients in [1, 16] {
                for batch in [1, 10] {
                    let kind = fifo ? "fifo" : "standard"
                    progress("send/receive/delete, \(kind), \(clients) clients, batch \(batch)")
                    let queue = "bench-\(kind)-\(clients)-\(batch)" + (fifo ? ".fifo" : "")
                    try await broker.createQueue(QueueConfiguration(name: queue))
                    let (rate, latency) = try await sendReceiveDelete(broker, queue: queue, fifo: fifo, clients: clients, batch: batch)
                    if !fifo { best = max(best, rate) }
                    report.results.append(BenchResult(name: "send_receive_delete",
                                                      params: [("queue", kind), ("batch", "\(batch)"), ("clients", "\(clients)")],
                                                      opsPerSecond: rate, latency: latency))
                }
            }
        }

        progress("publish fan-out to 3 queues")
        try await broker.createTopic("bench-topic")
        for index in 0..<3 {
            try await broker.createQueue(QueueConfiguration(name: "fanout-\(index)"))
            try await broker.subscribe(topic: "bench-topic", queue: "fanout-\(index)")
        }
        let (publishes, publishLatency) = try await Measure.load(workers: 16, seconds: seconds) { worker, iteration in
            try await broker.publish(topic: "bench-topic", OutgoingMessage(body: "p-\(worker)-\(iteration)"))
        }
        // Nothing consumes the fan-out queues; empty them so the next phase starts from a clean heap.
        for index in 0..<3 { try await broker.purge("fanout-\(index)") }
        report.results.append(BenchResult(name: "publish_fanout", params: [("subscribers", "3"), ("publishers", "16")],
                                          opsPerSecond: publishes, latency: publishLatency,
                                          extra: [("deliveries_per_s", publishes * 3)]))

        progress("enqueue latency at half load")
        try await broker.createQueue(QueueConfiguration(name: "bench-paced"))
        let paced = try await pacedEnqueue(broker, queue: "bench-paced", messagesPerSecond: best / 2)
        report.results.append(BenchResult(name: "enqueue_at_half_load", params: [("messages_per_s", "\(Int(best / 2))"), ("batch", "10")],
                                          opsPerSecond: paced.rate, latency: paced.latency))
        await broker.close()

        progress("saga steps")
        report.results.append(try await sagaSteps())
        return report
    }

    /// Three-step sagas started back to back by 16 starters: steps completed per second, every transition
    /// journaled before it counts.
    private func sagaSteps() async throws -> BenchResult {
        let engine = try SagaEngine(directory: directory + "/sagas")
        let noOp: @Sendable (StepContext) async throws -> Void = { _ in }
        try engine.register(SagaDefinition(name: "bench", steps: ["a", "b", "c"].map { SagaStep($0, action: noOp, compensation: noOp) }))
        let (runs, latency) = try await Measure.load(workers: 16, seconds: seconds) { _, _ in
            _ = try await engine.waitForRun(try await engine.start("bench"))
        }
        await engine.close()
        return BenchResult(name: "saga_steps", params: [("steps_per_run", "3"), ("starters", "16")], opsPerSecond: runs * 3, latency: latency,
                           extra: [("runs_per_s", runs)])
    }

    /// Each client sends a batch, receives a batch and deletes it, over and over — a closed loop, so the
    /// queue never builds a backlog. Returns messages deleted per second and the latency of sends.
    private func sendReceiveDelete(_ broker: Broker, queue: String, fifo: Bool, clients: Int, batch: Int) async throws -> (Double, HistogramSnapshot) {
        let deleted = Counter()
        let stop = StopFlag()
        let sendLatency = LatencyHistogram()
        let clock = ContinuousClock()
        let started = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for client in 0..<clients {
                group.addTask {
                    var n = 0
                    while !stop.isSet {
                        let messages = (0..<batch).map { i -> OutgoingMessage in
                            n += 1
                            // FIFO: a group per position in the batch, so one receive can take the whole batch.
                            return fifo ? OutgoingMessage(body: "m-\(client)-\(n)", groupID: "c\(client)-\(i)", deduplicationID: "\(client)-\(n)")
                                        : OutgoingMessage(body: "m-\(client)-\(n)")
                        }
                        let began = clock.now
                        _ = try await broker.sendBatch(queue, messages)
                        sendLatency.record(clock.now - began)
                        var pending = batch
                        while pending > 0, !stop.isSet {
                            let received = try await broker.receive(queue, maximum: pending, waitSeconds: 0.05)
                            guard !received.isEmpty else { continue }
                            _ = try await broker.deleteBatch(queue, receiptHandles: received.map(\.receiptHandle))
                            deleted.increment(by: received.count)
                            pending -= received.count
                        }
                    }
                }
            }
            group.addTask {
                try await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000))
                stop.set()
            }
            try await group.waitForAll()
        }
        let elapsed = clock.now - started
        let secondsElapsed = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return (Double(deleted.value) / secondsElapsed, sendLatency.snapshot())
    }

    /// Sends batches of 10 at a steady total rate from 4 producers and reports the send latency.
    private func pacedEnqueue(_ broker: Broker, queue: String, messagesPerSecond: Double) async throws -> (rate: Double, latency: HistogramSnapshot) {
        let latency = LatencyHistogram()
        let producers = 4
        let interval = Double(10 * producers) / max(messagesPerSecond, 1)
        let sent = Counter()
        let clock = ContinuousClock()
        let started = clock.now
        let deadline = started.advanced(by: .milliseconds(Int(seconds * 1000)))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for producer in 0..<producers {
                group.addTask {
                    var next = started.advanced(by: .nanoseconds(Int64(interval * 1e9 * Double(producer) / Double(producers))))
                    while next < deadline {
                        try await clock.sleep(until: next)
                        let began = clock.now
                        _ = try await broker.sendBatch(queue, (0..<10).map { OutgoingMessage(body: "paced-\(producer)-\($0)") })
                        latency.record(clock.now - began)
                        sent.increment(by: 10)
                        next = next.advanced(by: .nanoseconds(Int64(interval * 1e9)))
                    }
                }
            }
            try await group.waitForAll()
        }
        return (Double(sent.value) / seconds, latency.snapshot())
    }
}

/// Tells load loops to stop.
final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)

    var isSet: Bool { flag.load(ordering: .relaxed) }
    func set() { flag.store(true, ordering: .relaxed) }
}
