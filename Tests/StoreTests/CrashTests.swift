import Foundation
import Testing
import Telemetry
@testable import Store
import CrashHarness
import Journal

/// Kills a writer process with SIGKILL at random moments and checks that recovery shows every
/// acknowledged write and nothing half-written. `SHOPDECK_CRASH_ROUNDS` sets the number of rounds
/// (default 20; a longer opt-in run uses more).
@Suite(.serialized) struct CrashTests {
    struct Acknowledged {
        var puts: Set<String> = []
        var deletes: Set<String> = []
        var deletesStarted: Set<String> = []
        var orders: Set<String> = []
        var errors: [String] = []

        mutating func take(_ line: Substring) {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2 else { return }
            let value = String(parts[1])
            switch parts[0] {
            case "P": puts.insert(value)
            case "d": deletesStarted.insert(value)
            case "D": deletes.insert(value)
            case "T": orders.insert(value)
            case "E": errors.append(value)
            default: break
            }
        }
    }

    func verify(_ dir: TemporaryDirectory, _ acknowledged: Acknowledged) async throws -> RecoverySummary {
        let store = try Store(directory: dir.path, options: quietOptions())
        do {
            let summary = try await check(store, acknowledged)
            await store.close()
            return summary
        } catch {
            await store.close()
            throw error
        }
    }

    func check(_ store: Store, _ acknowledged: Acknowledged) async throws -> RecoverySummary {
        // A put followed by a delete that was started but not acknowledged may or may not be there.
        for key in acknowledged.puts where !acknowledged.deletesStarted.contains(key) {
            let item = try await store.get("items", key: ["key": .string(key)])
            #expect(item?["payload"] == .string(String(repeating: key, count: 4)), "acknowledged put \(key) lost")
        }
        for key in acknowledged.deletes {
            #expect(try await store.get("items", key: ["key": .string(key)]) == nil, "acknowledged delete \(key) came back")
        }
        var orders = Set<String>()
        var mirrors = Set<String>()
        for (table, into) in [("orders", 0), ("mirrors", 1)] {
            var cursor: PageCursor? = nil
            repeat {
                let page = try await store.scan(table, ScanRequest(startAfter: cursor))
                for item in page.items {
                    if into == 0 { orders.insert(item["order"]!.stringValue!) } else { mirrors.insert(item["order"]!.stringValue!) }
                }
                cursor = page.nextCursor
            } while cursor != nil
        }
        #expect(orders == mirrors, "a purchase was half-applied")
        #expect(acknowledged.orders.isSubset(of: orders), "acknowledged purchases lost")
        let stock = try await store.get("stock", key: ["sku": "hot"])?["count"]?.int64Value ?? -1
        #expect(stock >= 0, "oversold")
        #expect(stock + Int64(orders.count) == 3000, "stock and orders disagree")
        var scanned = 0
        var cursor: PageCursor? = nil
        repeat {
            let page = try await store.scan("items", ScanRequest(startAfter: cursor))
            for item in page.items {
                let key = item["key"]!.stringValue!
                #expect(item["payload"] == .string(String(repeating: key, count: 4)), "half-written item \(key)")
            }
            scanned += page.items.count
            cursor = page.nextCursor
        } while cursor != nil
        return RecoverySummary(items: scanned, orders: orders.count, report: store.recoveryReport)
    }

    struct RecoverySummary {
        var items: Int
        var orders: Int
        var report: RecoveryReport
    }

    @Test func killedWriterLosesNoAcknowledgedWriteAndLeavesNothingHalfWritten() async throws {
        #expect(FileManager.default.isExecutableFile(atPath: ChildWriter.path), "crash-writer not built at \(ChildWriter.path)")
        let rounds = ChildWriter.rounds
        let dir = TemporaryDirectory()
        var acknowledged = Acknowledged()
        var generator = SystemRandomNumberGenerator()
        for round in 0..<rounds {
            // Sometimes kill before the first acknowledgement, usually somewhere in the middle of a burst.
            let killAfter = round % 5 == 0 ? 0 : Int.random(in: 1...3000, using: &generator)
            let outcome = try await onThread { try ChildWriter.runAndKill(["store", dir.path], killAfter: killAfter) }
            #expect(outcome.becameReady, "the writer never became ready")
            #expect(outcome.linesAtKill > killAfter, "the writer stopped before acknowledging \(killAfter) writes")
            for line in outcome.lines { acknowledged.take(line) }
            let summary = try await verify(dir, acknowledged)
            #expect(summary.orders >= acknowledged.orders.count)
        }
        #expect(acknowledged.errors.isEmpty, "writer reported errors: \(acknowledged.errors.prefix(3))")
        #expect(acknowledged.puts.count > 0 && acknowledged.orders.count > 0)
    }
}

@Suite struct DamagedStoreJournalTests {
    @Test func aCorruptTailIsCutAndReportedAndEverythingBeforeItSurvives() async throws {
        let dir = TemporaryDirectory()
        do {
            let store = try openStore(dir)
            try await store.createTable(productsSchema)
            for i in 0..<20 { try await store.put("products", product("p\(i)")) }
            // Close without the final snapshot, so the records stay in the journal to be damaged.
            try await store.put("products", product("last"))
            await store.closeWithoutSnapshot()
        }
        let segment = try #require(try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("segment-") }.sorted().last)
        let path = dir.path + "/" + segment
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        // The segment may be preallocated: its records end where its zero-filled tail begins.
        let end = try #require(bytes.lastIndex { $0 != 0 })
        bytes[end - 2] ^= 0x40
        try bytes.write(to: URL(fileURLWithPath: path))

        let store = try openStore(dir)
        let dropped = try #require(store.recoveryReport.droppedTail)
        #expect(dropped.reason == "checksum mismatch")
        #expect(try await store.get("products", key: ["id": "last"]) == nil)
        for i in 0..<20 { #expect(try await store.get("products", key: ["id": .string("p\(i)")]) == product("p\(i)")) }
        await store.close()
    }
}
