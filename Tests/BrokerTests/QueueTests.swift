import Foundation
import Testing
import Telemetry
@testable import Broker

@Suite struct StandardQueueTests {
    @Test func visibilityTimeoutHidesThenReturnsAMessageWithItsReceiveCount() async throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let broker = try openBroker(dir, clock: clock)
        var config = QueueConfiguration(name: "jobs")
        config.visibilityTimeout = 30
        try await broker.createQueue(config)
        try await broker.send("jobs", message("one"))

        let first = try await broker.receive("jobs")
        #expect(first.map(\.body) == ["one"] && first[0].receiveCount == 1)
        #expect(try await broker.receive("jobs").isEmpty, "in flight: hidden")
        #expect(try broker.stats("jobs").inFlight == 1)
        clock.advance(by: 29.9)
        #expect(try await broker.receive("jobs").isEmpty)
        clock.advance(by: 0.1)
        let second = try await broker.receive("jobs")
        #expect(second.first?.receiveCount == 2)
        // The first receipt handle is stale now.
        await #expect(throws: BrokerError.receiptHandleInvalid(first[0].receiptHandle)) {
            try await broker.delete("jobs", receiptHandle: first[0].receiptHandle)
        }
        try await broker.delete("jobs", receiptHandle: second[0].receiptHandle)
        clock.advance(by: 60)
        #expect(try await broker.receive("jobs").isEmpty)
        #expect(try broker.stats("jobs").deletedTotal == 1)
        await broker.close()
    }

    @Test func changeVisibilityExtendsOrReleasesAMessage() async throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let broker = try openBroker(dir, clock: clock)
        try await broker.createQueue(QueueConfiguration(name: "jobs"))
        try await broker.send("jobs", message("work"))
        let got = try await broker.receive("jobs")
        try await broker.changeVisibility("jobs", receiptHandle: got[0].receiptHandle, timeout: 120)
        clock.advance(by: 60)
        #expect(try await broker.receive("jobs").isEmpty)
        try await broker.changeVisibility("jobs", receiptHandle: got[0].receiptHandle, timeout: 0)
        let again = try await broker.receive("jobs")
        #expect(again.first?.messageID == got[0].messageID)
        await #expect(throws: BrokerError.self) { try await broker.changeVisibility("jobs", receiptHandle: "garbage", timeout: 5) }
        await broker.close()
    }

    @Test func delayedMessagesAreNeverVisibleEarly() async throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let broker = try openBroker(dir, clock: clock)
        var config = QueueConfiguration(name: "later")
        config.delay = 10
        try await broker.createQueue(config)
        try await broker.send("later", message("queue delay"))
        try await broker.send("later", OutgoingMessage(body: "own delay", delaySeconds: 20))
        try await broker.send("later", OutgoingMessage(body: "no delay", delaySeconds: 0))
        #expect(try await broker.receive("later", maximum: 10).map(\.body) == ["no delay"])
        #expect(try broker.stats("later").delayed == 2)
        clock.advance(by: 9.999)
        #expect(try await broker.receive("later", maximum: 10).isEmpty)
        clock.advance(by: 0.001)
        #expect(try await broker.receive("later", maximum: 10).map(\.body) == ["queue delay"])
        clock.advance(by: 9.9)
        #expect(try await broker.receive("later", maximum: 10).isEmpty)
        clock.advance(by: 0.1)
        #expect(try await broker.receive("later", maximum: 10).map(\.body) == ["own delay"])
        await broker.close()
    }

    @Test func longPollReturnsAsSoonAsAMessageArrivesAndEmptyAtTheDeadline() async throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let broker = try openBroker(dir, clock: clock)
        try await broker.createQueue(QueueConfiguration(name: "poll"))
        let waiting = Task { try await broker.receive("poll", waitSeconds: 20) }
        while clock.sleeperCount == 0 { await Task.yield() }
        try await broker.send("poll", message("hello"))
        #expect(try await waiting.value.map(\.body) == ["hello"])

        let empty = Task { try await broker.receive("poll", waitSeconds: 20) }
        while clock.sleeperCount == 0 { await Task.yield() }
        clock.advance(by: 20)
        #expect(try await empty.value.isEmpty)
        await broker.close()
    }

    @Test func longPollWakesWhenAnInFlightMessageTimesOut() async throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let broker = try openBroker(dir, clock: clock)
        var config = QueueConfiguration(name: "poll")
        config.visibilityTimeout = 5
        try await broker.createQueue(config)
        try await broker.send("poll", message("retry me"))
        _ = try await broker.receive("poll")
        let waiting = Task { try await broker.receive("poll", waitSeconds: 20) }
        while clock.sleeperCount == 0 { await Task.yield() }
        clock.advance(by: 5)
        #expect(try await waiting.value.first?.receiveCount == 2)
        await broker.close()
    }

    @Test func messagesPastRetentionAreDropped() async throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let broker = try openBroker(dir, clock: clock)
        var config = QueueConfiguration(name: "short")
        config.messageRetention = 60
        try await broker.createQueue(config)
        try await broker.send("short", message("old"))
        clock.advance(by: 30)
        try await broker.send("short", message("young"))
        clock.advance(by: 30)
        #expect(try await broker.runMaintenance() == 1)
        #expect(try broker.stats("short").visible == 1)
        #expect(try await broker.receive("short", maximum: 10).map(\.body) == ["young"])
        await broker.close()
    }

    @Test func purgeEmptiesTheQueue() async throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let broker = try openBroker(dir, clock: clock)
        try await broker.createQueue(QueueConfiguration(name: "q"))
        for i in 0..<5 { try await broker.send("q", message("m\(i)")) }
        try await broker.purge("q")
        #expect(try broker.stats("q").visible == 0)
        #expect(try await broker.receive("q", maximum: 10).isEmpty)
        await broker.close()
    }

    @Test func batchesAndStats() async throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let broker = try openBroker(dir, clock: clock)
        try await broker.createQueue(QueueConfiguration(name: "q"))
        let results = try await broker.sendBatch("q", (0..<10).map { message("m\($0)") })
        #expect(Set(results.map(\.messageID)).count == 10)
        clock.advance(by: 5)
        let got = try await broker.receive("q", maximum: 10)
        #expect(got.count == 10)
        let outcomes = try await broker.deleteBatch("q", receiptHandles: got.prefix(4).map(\.receiptHandle) + ["not-a-handle"])
        #expect(outcomes.prefix(4).allSatisfy { $0 == nil })
        #expect(outcomes.last == .receiptHandleInvalid("not-a-handle"))
        let stats = try broker.stats("q")
        #expect(stats.inFlight == 6 && stats.visible == 0 && stats.deletedTotal == 4 && stats.sentTotal == 10)
        #expect(stats.oldestAgeSeconds == 5)
        await broker.close()
    }
}

@Suite struct DeadLetterTests {
    @Test func aMessageMovesToTheDeadLetterQueueExactlyAfterMaxReceiveCountAndRedrivesBack() async throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let broker = try openBroker(dir, clock: clock)
        try await broker.createQueue(QueueConfiguration(name: "orders-dlq"))
        var config = QueueConfiguration(name: "orders")
        config.visibilityTimeout = 10
        config.redrivePolicy = RedrivePolicy(deadLetterQueue: "orders-dlq", maxReceiveCount: 3)
        try await broker.createQueue(config)
        try await broker.send("orders", message("poison"))
        for attempt in 1...3 {
            let got = try await broker.receive("orders")
            #expect(got.first?.receiveCount == attempt)
            clock.advance(by: 10)
        }
        #expect(try await broker.receive("orders").isEmpty, "the fourth receive moves it instead")
        let stats = try broker.stats("orders")
        #expect(stats.visible == 0 && stats.deadLetterQueue?.name == "orders-dlq" && stats.deadLetterQueue?.visible == 1)
        let dead = try await broker.receive("orders-dlq", visibilityTimeout: 0)
        #expect(dead.first?.body == "poison" && dead.first?.receiveCount == 4)

        #expect(try await broker.redrive(deadLetterQueue: "orders-dlq") == 1)
        let back = try await broker.receive("orders")
        #expect(back.first?.body == "poison" && back.first?.receiveCount == 1)
        await broker.close()
    }

    @Test func redrivePolicyNeedsAnExistingQueueOfTheSameKind() async throws {
        let dir = TemporaryDirectory()
        let broker = try openBroker(dir, clock: ManualClock())
        var config = QueueConfiguration(name: "q")
        config.redrivePolicy = RedrivePolicy(deadLetterQueue: "missing", maxReceiveCount: 3)
        await #expect(throws: BrokerError.self) { try await broker.createQueue(config) }
        config.redrivePolicy = RedrivePolicy(deadLetterQueue: "dlq.fifo", maxReceiveCount: 3)
        await #expect(throws: BrokerError.validation("the dead-letter queue of a standard queue must be standard too")) {
            try await broker.createQueue(config)
        }
        await broker.close()
    }
}

@Suite struct BadInputTests {
    @Test func requestsOutOfBoundsAreRefusedWithReasons() async throws {
        let dir = TemporaryDirectory()
        let broker = try openBroker(dir, clock: ManualClock())
        try await broker.createQueue(QueueConfiguration(name: "q"))
        try await broker.createQueue(QueueConfiguration(name: "sale.fifo"))
        await #expect(throws: BrokerError.messageTooLarge(byteCount: 262_145, limit: 262_144)) {
            try await broker.send("q", message(String(repeating: "x", count: 262_145)))
        }
        await #expect(throws: BrokerError.validation("a send batch holds 1 to 10 messages, got 11")) {
            try await broker.sendBatch("q", (0..<11).map { message("m\($0)") })
        }
        await #expect(throws: BrokerError.validation("FIFO queue \"sale.fifo\" needs a message group id (1 to 128 characters) on every message")) {
            try await broker.send("sale.fifo", message("no group", dedup: "d1"))
        }
        await #expect(throws: BrokerError.queueNotFound("nope")) { try await broker.send("nope", message("x")) }
        await #expect(throws: BrokerError.queueNotFound("nope")) { try await broker.receive("nope") }
        await #expect(throws: BrokerError.validation("a receive takes 1 to 10 messages, got 11")) { try await broker.receive("q", maximum: 11) }
        await #expect(throws: BrokerError.self) { try await broker.send("q", message("")) }
        await #expect(throws: BrokerError.self) { try await broker.send("q", message("bad \u{1}")) }
        await #expect(throws: BrokerError.self) { try await broker.send("q", OutgoingMessage(body: "x", attributes: ["n": .number("twelve")])) }
        await #expect(throws: BrokerError.self) { try await broker.createQueue(QueueConfiguration(name: "bad name!")) }
        var config = QueueConfiguration(name: "q2")
        config.visibilityTimeout = 50_000
        await #expect(throws: BrokerError.validation("visibility timeout must be 0 to 43200 seconds, got 50000.0")) {
            try await broker.createQueue(config)
        }
        #expect(try broker.stats("q").sentTotal == 0)
        await broker.close()
    }

    @Test func creatingAnExistingQueueIsIdempotentOnlyWithTheSameSettings() async throws {
        let dir = TemporaryDirectory()
        let broker = try openBroker(dir, clock: ManualClock())
        try await broker.createQueue(QueueConfiguration(name: "q"))
        try await broker.createQueue(QueueConfiguration(name: "q"))
        var different = QueueConfiguration(name: "q")
        different.delay = 5
        await #expect(throws: BrokerError.queueAlreadyExists("q")) { try await broker.createQueue(different) }
        try await broker.configureQueue(different)
        #expect(broker.configuration(of: "q")?.delay == 5)
        await broker.close()
    }
}
