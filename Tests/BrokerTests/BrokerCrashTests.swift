import CrashHarness
import Foundation
import Testing
import Telemetry
@testable import Broker

/// Kills a child that sends, receives and deletes as fast as it can, at random moments, then checks the
/// broker it leaves behind: no acknowledged message lost, none resurrected after an acknowledged delete,
/// FIFO groups still in order.
@Suite(.serialized) struct BrokerCrashTests {
    struct Acknowledged {
        var sent: Set<String> = []
        var deleteStarted: Set<String> = []
        var deleted: Set<String> = []
        var fifoSent: [String: Set<Int>] = [:]
        var fifoDeleteStarted: [String: Set<Int>] = [:]
        var fifoDeleted: [String: Set<Int>] = [:]
        var errors: [String] = []

        mutating func take(_ line: Substring) {
            let parts = line.split(separator: " ")
            guard parts.count >= 2 else { return }
            let value = String(parts[1])
            switch parts[0] {
            case "S": sent.insert(value)
            case "d": deleteStarted.insert(value)
            case "D": deleted.insert(value)
            case "F" where parts.count == 3: fifoSent[value, default: []].insert(Int(parts[2])!)
            case "f" where parts.count == 3: fifoDeleteStarted[value, default: []].insert(Int(parts[2])!)
            case "G" where parts.count == 3: fifoDeleted[value, default: []].insert(Int(parts[2])!)
            case "E": errors.append(String(line))
            default: break
            }
        }
    }

    func verify(_ dir: TemporaryDirectory, _ acknowledged: Acknowledged) async throws {
        var options = BrokerOptions()
        options.maintenanceIntervalSeconds = nil
        let broker = try Broker(directory: dir.path, options: options)
        // Read the queues' contents directly: receiving would change them.
        let (work, fifo) = broker.state.withLock { s in
            (s.queues["work"]?.messagesInOrder ?? [], s.queues["sale.fifo"]?.messagesInOrder ?? [])
        }
        await broker.close()
        let present = work.map(\.body)
        #expect(present.count == Set(present).count, "a message is in the queue twice")
        let presentSet = Set(present)
        for body in acknowledged.sent where !acknowledged.deleteStarted.contains(body) {
            #expect(presentSet.contains(body), "acknowledged send \(body) lost")
        }
        for body in acknowledged.deleted {
            #expect(!presentSet.contains(body), "acknowledged delete \(body) came back")
        }
        var fifoByGroup: [String: [Int]] = [:]
        for message in fifo {
            let parts = message.body.split(separator: ":")
            fifoByGroup[String(parts[0]), default: []].append(Int(parts[1])!)
        }
        for (group, indices) in fifoByGroup {
            #expect(indices == indices.sorted(), "group \(group) out of order: \(indices.prefix(10))")
        }
        for (group, sent) in acknowledged.fifoSent {
            let present = Set(fifoByGroup[group] ?? [])
            let maybeGone = acknowledged.fifoDeleteStarted[group] ?? []
            for index in sent where !maybeGone.contains(index) {
                #expect(present.contains(index), "acknowledged FIFO send \(group):\(index) lost")
            }
            for index in acknowledged.fifoDeleted[group] ?? [] {
                #expect(!present.contains(index), "acknowledged FIFO delete \(group):\(index) came back")
            }
        }
    }

    @Test func killedBrokerLosesNoMessageAndResurrectsNoDelete() async throws {
        let dir = TemporaryDirectory()
        var acknowledged = Acknowledged()
        var generator = SystemRandomNumberGenerator()
        for round in 0..<ChildWriter.rounds {
            let killAfter = round % 5 == 0 ? 0 : Int.random(in: 1...3000, using: &generator)
            let outcome = try await onThread { try ChildWriter.runAndKill(["broker", dir.path], killAfter: killAfter) }
            #expect(outcome.becameReady && outcome.linesAtKill > killAfter)
            for line in outcome.lines { acknowledged.take(line) }
            try await verify(dir, acknowledged)
        }
        #expect(acknowledged.errors.isEmpty, "\(acknowledged.errors.prefix(3))")
        #expect(!acknowledged.sent.isEmpty && !acknowledged.deleted.isEmpty && !acknowledged.fifoSent.isEmpty)
    }
}
