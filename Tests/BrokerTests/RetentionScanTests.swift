import FuzzSupport
import Testing
@testable import Broker

/// The retention pass steps past deleted messages for good (`QueueState.expiredMessages`). Checked against
/// the plain rule — the live messages in arrival order, taken while they are past retention — over seeded
/// mixes of sends, deletions and passes, with enough deletions that the arrival list is compacted. The
/// queue's running `liveBytes` is checked against a recount of its messages along the way.
@Suite struct RetentionScanTests {
    @Test func expiredMessagesAndLiveBytesMatchThePlainRulesAcrossDeletionsAndCompaction() {
        Fuzz.run("retention scan", defaultCases: 40) { random, _ in
            var configuration = QueueConfiguration(name: "q")
            configuration.messageRetention = 60
            var queue = QueueState(configuration: configuration)
            var live: [(id: String, sentAt: Int64)] = []
            var now: Int64 = 0
            var next = 0
            for _ in 0..<random.int(1...12) {
                for _ in 0..<random.int(0...600) {
                    now += Int64(random.int(0...200))
                    let id = "m\(next)"
                    next += 1
                    queue.insert(IncomingMessage(id: id, body: String(repeating: "b", count: random.int(0...300)), attributes: [:], sentAtMillis: now, visibleAtMillis: now,
                                                 receiveCount: 0, groupID: nil, deduplicationID: nil, sourceQueue: nil), atMillis: now)
                    live.append((id, now))
                }
                // Deletions mostly from the front, as consumers do, and some anywhere.
                for _ in 0..<random.int(0...live.count) where !live.isEmpty {
                    let index = random.chance(0.8) ? 0 : random.int(0...(live.count - 1))
                    _ = queue.remove(live[index].id, deleted: true)
                    live.remove(at: index)
                }
                #expect(queue.liveBytes == queue.messages.values.reduce(0) { $0 + QueueState.liveBytes(of: $1) })
                now += Int64(random.int(0...90_000))
                let limit = random.int(1...300)
                let cutoff = now - 60_000
                let expected = Array(live.prefix { $0.sentAt <= cutoff }.prefix(limit).map(\.id))
                #expect(queue.expiredMessages(nowMillis: now, limit: limit) == expected)
                // The pass only reports; the broker removes what it reports through the journal.
                for id in expected { _ = queue.remove(id) }
                live.removeFirst(expected.count)
                if random.chance(0.1) {
                    queue.removeAll()
                    live.removeAll()
                }
                #expect(queue.liveBytes == queue.messages.values.reduce(0) { $0 + QueueState.liveBytes(of: $1) })
            }
        }
    }
}
