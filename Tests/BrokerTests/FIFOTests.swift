import Foundation
import Synchronization
import Testing
import Telemetry
@testable import Broker

/// What concurrent consumers saw: which groups were in flight, any violation, each group's order.
final class ConsumerLedger: Sendable {
    struct State {
        var inFlight: Set<String> = []
        var violations: [String] = []
        var seen: [String: [Int]] = [:]
    }

    let state = Mutex(State())
}

@Suite struct FIFOTests {
    @Test func groupsAreDeliveredInOrderOneAtATimeWithoutBlockingOtherGroups() async throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let broker = try openBroker(dir, clock: clock)
        try await broker.createQueue(QueueConfiguration(name: "sale.fifo"))
        for i in 1...3 {
            try await broker.send("sale.fifo", message("a\(i)", group: "A", dedup: "a\(i)"))
            try await broker.send("sale.fifo", message("b\(i)", group: "B", dedup: "b\(i)"))
        }
        let first = try await broker.receive("sale.fifo", maximum: 10)
        #expect(Set(first.map(\.body)) == ["a1", "b1"], "one per group")
        #expect(try await broker.receive("sale.fifo", maximum: 10).isEmpty, "both groups blocked while in flight")
        let a1 = first.first { $0.body == "a1" }!
        try await broker.delete("sale.fifo", receiptHandle: a1.receiptHandle)
        #expect(try await broker.receive("sale.fifo", maximum: 10).map(\.body) == ["a2"], "B is still blocked by b1")
        #expect(first.allSatisfy { $0.sequenceNumber != nil })
        await broker.close()
    }

    @Test func deletingAMessageWakesALongPollWaitingOnItsGroup() async throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()  // never advanced: only the delete can end the wait
        let broker = try openBroker(dir, clock: clock)
        try await broker.createQueue(QueueConfiguration(name: "entries.fifo"))
        try await broker.send("entries.fifo", message("1", group: "drop", dedup: "1"))
        try await broker.send("entries.fifo", message("2", group: "drop", dedup: "2"))
        let first = try await broker.receive("entries.fifo")
        let sleepersBefore = clock.sleeperCount
        let finished = Atomic<Bool>(false)
        let waiter = Task {
            defer { finished.store(true, ordering: .releasing) }
            return try await broker.receive("entries.fifo", waitSeconds: 20)
        }
        await eventually("the receive is waiting") { clock.sleeperCount == sleepersBefore + 1 }
        try await broker.delete("entries.fifo", receiptHandle: first[0].receiptHandle)
        await eventually("the delete woke the receive") { finished.load(ordering: .acquiring) }
        clock.advance(by: 20)  // frees a receive the delete failed to wake, so a regression fails instead of hanging
        #expect(try await waiter.value.map(\.body) == ["2"])
        await broker.close()
    }

    @Test func anExpiredInFlightMessageComesBackFirstInItsGroup() async throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let broker = try openBroker(dir, clock: clock)
        var config = QueueConfiguration(name: "q.fifo")
        config.visibilityTimeout = 10
        try await broker.createQueue(config)
        try await broker.send("q.fifo", message("1", group: "g", dedup: "1"))
        try await broker.send("q.fifo", message("2", group: "g", dedup: "2"))
        _ = try await broker.receive("q.fifo")
        clock.advance(by: 10)
        let again = try await broker.receive("q.fifo", maximum: 10)
        #expect(again.map(\.body) == ["1"] && again[0].receiveCount == 2)
        await broker.close()
    }

    @Test func eightConcurrentConsumersSeeEachGroupInOrderAndNeverTwoInFlight() async throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let broker = try openBroker(dir, clock: clock)
        try await broker.createQueue(QueueConfiguration(name: "orders.fifo"))
        let groups = 6, perGroup = 40
        for index in 0..<perGroup {
            for group in 0..<groups {
                try await broker.send("orders.fifo", message("\(group):\(index)", group: "g\(group)", dedup: "\(group)-\(index)"))
            }
        }
        let ledger = ConsumerLedger()
        try await withThrowingTaskGroup(of: Void.self) { consumers in
            for _ in 0..<8 {
                consumers.addTask {
                    while true {
                        let batch = try await broker.receive("orders.fifo", maximum: 10)
                        if batch.isEmpty {
                            if try broker.stats("orders.fifo").visible + broker.stats("orders.fifo").inFlight == 0 { return }
                            await Task.yield()
                            continue
                        }
                        for received in batch {
                            let parts = received.body.split(separator: ":")
                            let group = String(parts[0]), index = Int(parts[1])!
                            ledger.state.withLock { l in
                                if !l.inFlight.insert(group).inserted { l.violations.append("group \(group) had two in flight") }
                                l.seen[group, default: []].append(index)
                            }
                            await Task.yield()
                            ledger.state.withLock { _ = $0.inFlight.remove(group) }
                            try await broker.delete("orders.fifo", receiptHandle: received.receiptHandle)
                        }
                    }
                }
            }
            try await consumers.waitForAll()
        }
        let result = ledger.state.withLock { $0 }
        #expect(result.violations.isEmpty, "\(result.violations.prefix(3))")
        for group in 0..<groups {
            #expect(result.seen["\(group)"] == Array(0..<perGroup), "group \(group) out of order")
        }
        await broker.close()
    }

    @Test func deduplicationHoldsForFiveMinutesEvenAfterDelete() async throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let broker = try openBroker(dir, clock: clock)
        try await broker.createQueue(QueueConfiguration(name: "d.fifo"))
        let original = try await broker.send("d.fifo", message("pay 100", group: "u1", dedup: "order-7"))
        let again = try await broker.send("d.fifo", message("pay 100", group: "u1", dedup: "order-7"))
        #expect(again.wasDuplicate && again.messageID == original.messageID && again.sequenceNumber == original.sequenceNumber)
        let got = try await broker.receive("d.fifo", maximum: 10)
        #expect(got.count == 1)
        try await broker.delete("d.fifo", receiptHandle: got[0].receiptHandle)
        clock.advance(by: 299)
        #expect(try await broker.send("d.fifo", message("pay 100", group: "u1", dedup: "order-7")).wasDuplicate, "still remembered after delete")
        clock.advance(by: 1)
        #expect(try await broker.send("d.fifo", message("pay 100", group: "u1", dedup: "order-7")).wasDuplicate == false)
        #expect(try await broker.receive("d.fifo").count == 1)
        await broker.close()
    }

    @Test func contentBasedDeduplicationUsesTheBodyHash() async throws {
        let dir = TemporaryDirectory()
        let broker = try openBroker(dir, clock: ManualClock())
        var config = QueueConfiguration(name: "c.fifo")
        config.contentBasedDeduplication = true
        try await broker.createQueue(config)
        let results = try await broker.sendBatch("c.fifo", [message("same", group: "g"), message("same", group: "g"), message("other", group: "g")])
        #expect(results.map(\.wasDuplicate) == [false, true, false])
        #expect(try broker.stats("c.fifo").visible == 2)
        await broker.close()
    }

    @Test func fifoQueuesRefusePerMessageDelaysAndMissingDeduplicationIDs() async throws {
        let dir = TemporaryDirectory()
        let broker = try openBroker(dir, clock: ManualClock())
        try await broker.createQueue(QueueConfiguration(name: "f.fifo"))
        await #expect(throws: BrokerError.self) { try await broker.send("f.fifo", OutgoingMessage(body: "x", delaySeconds: 5, groupID: "g", deduplicationID: "d")) }
        await #expect(throws: BrokerError.self) { try await broker.send("f.fifo", message("x", group: "g")) }
        await #expect(throws: BrokerError.self) { try await broker.send("f.fifo", message("x", group: String(repeating: "g", count: 129), dedup: "d")) }
        await broker.close()
    }
}

@Suite struct TopicTests {
    @Test func publishFansOutThroughFilterPolicies() async throws {
        let dir = TemporaryDirectory()
        let broker = try openBroker(dir, clock: ManualClock())
        for queue in ["checkout", "analytics", "notifications", "big-spenders"] { try await broker.createQueue(QueueConfiguration(name: queue)) }
        try await broker.createTopic("order-placed")
        try await broker.subscribe(topic: "order-placed", queue: "checkout")
        try await broker.subscribe(topic: "order-placed", queue: "analytics", filter: FilterPolicy(["kind": [.anythingBut(strings: ["test"], numbers: [])]]))
        try await broker.subscribe(topic: "order-placed", queue: "notifications", filter: FilterPolicy(["channel": [.exists(true)]]))
        try await broker.subscribe(topic: "order-placed", queue: "big-spenders",
                                   filter: try FilterPolicy(json: #"{"total":[{"numeric":[">=",10000]}],"region":["jp",{"prefix":"eu-"}]}"#))
        // Subscribing again with the same filter is a no-op.
        try await broker.subscribe(topic: "order-placed", queue: "checkout")
        #expect(try broker.subscriptions(of: "order-placed").count == 4)

        let results = try await broker.publish(topic: "order-placed", OutgoingMessage(body: "o1", attributes: [
            "kind": .string("real"), "total": .number("12800"), "region": .string("eu-west"),
        ]))
        #expect(Set(results.keys) == ["checkout", "analytics", "big-spenders"])
        let second = try await broker.publish(topic: "order-placed", OutgoingMessage(body: "o2", attributes: [
            "kind": .string("test"), "total": .number("500"), "region": .string("jp"), "channel": .string("email"),
        ]))
        #expect(Set(second.keys) == ["checkout", "notifications"])
        #expect(try await broker.receive("checkout", maximum: 10).count == 2)
        #expect(try await broker.receive("big-spenders", maximum: 10).map(\.body) == ["o1"])
        await #expect(throws: BrokerError.topicNotFound("nope")) { try await broker.publish(topic: "nope", message("x")) }
        await broker.close()
    }

    @Test(arguments: [
        (#"{"a":["x"]}"#, ["a": MessageAttributeValue.string("x")], true),
        (#"{"a":["x"]}"#, ["a": MessageAttributeValue.string("y")], false),
        (#"{"a":[5]}"#, ["a": MessageAttributeValue.number("5.0")], true),
        (#"{"a":[{"prefix":"ab"}]}"#, ["a": MessageAttributeValue.string("abc")], true),
        (#"{"a":[{"anything-but":["x",1]}]}"#, ["a": MessageAttributeValue.number("1")], false),
        (#"{"a":[{"anything-but":"x"}]}"#, [:], false),
        (#"{"a":[{"numeric":[">",0,"<=",5]}]}"#, ["a": MessageAttributeValue.number("5")], true),
        (#"{"a":[{"numeric":[">",0,"<=",5]}]}"#, ["a": MessageAttributeValue.number("5.5")], false),
        (#"{"a":[{"exists":false}]}"#, [:], true),
        (#"{"a":[{"exists":false}]}"#, ["a": MessageAttributeValue.string("")], false),
        (#"{"a":["x"],"b":["y"]}"#, ["a": MessageAttributeValue.string("x")], false),
    ])
    func filterRules(policy: String, attributes: [String: MessageAttributeValue], accepted: Bool) throws {
        #expect(try FilterPolicy(json: policy).accepts(attributes) == accepted)
    }

    @Test func malformedPoliciesAreRefused() {
        for bad in ["[]", #"{"a":[]}"#, #"{"a":[{"regex":"x"}]}"#, #"{"a":[{"numeric":[">"]}]}"#, #"{"a":[{"exists":"yes"}]}"#, "{"] {
            #expect(throws: BrokerError.self, "\(bad)") { try FilterPolicy(json: bad) }
        }
    }
}

@Suite struct BrokerDurabilityTests {
    @Test func stateSurvivesAReopenIncludingInFlightMessagesAndDeletes() async throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        var inFlightID = ""
        do {
            let broker = try openBroker(dir, clock: clock)
            var config = QueueConfiguration(name: "q")
            config.visibilityTimeout = 30
            try await broker.createQueue(config)
            try await broker.createQueue(QueueConfiguration(name: "s.fifo"))
            try await broker.createTopic("t")
            try await broker.subscribe(topic: "t", queue: "q")
            for i in 0..<3 { try await broker.send("q", message("m\(i)")) }
            try await broker.send("s.fifo", message("f", group: "g", dedup: "once"))
            let got = try await broker.receive("q", maximum: 2)
            try await broker.delete("q", receiptHandle: got[0].receiptHandle)
            inFlightID = got[1].messageID
            await broker.closeWithoutSnapshot()
        }
        do {
            let broker = try openBroker(dir, clock: clock)
            #expect(try broker.stats("q").visible == 1 && broker.stats("q").inFlight == 1)
            clock.advance(by: 30)
            let back = try await broker.receive("q", maximum: 10)
            #expect(back.count == 2)
            #expect(back.first { $0.messageID == inFlightID }?.receiveCount == 2)
            #expect(try await broker.send("s.fifo", message("f", group: "g", dedup: "once")).wasDuplicate, "dedup survives a restart")
            #expect(try broker.subscriptions(of: "t").map(\.queue) == ["q"])
            await broker.close()
        }
        // And once more from the snapshot written at close.
        let broker = try openBroker(dir, clock: clock)
        #expect(broker.recoveryReport.snapshotLSN != nil)
        #expect(try broker.stats("q").inFlight == 2 && broker.stats("s.fifo").visible == 1)
        await broker.close()
    }
}
