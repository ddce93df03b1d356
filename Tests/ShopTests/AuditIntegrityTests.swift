import Foundation
import Journal
import Testing
import Telemetry
@testable import Shop

/// Issue 16, finding 5: a flipped byte in audit entry 101 of 199 removed entries 101–199, `/admin/audit`
/// still said `verified: true`, and the next entry reused seq 101.
@Suite struct AuditIntegrityTests {
    static func writeTrail(_ directory: String, entries: Int) async throws {
        let trail = try AuditTrail(directory: directory, clock: ManualClock())
        for index in 1...entries { try await trail.record(actor: "admin", action: "test.entry", detail: "entry number \(index)") }
        trail.close()
    }

    /// Where the journal record with `lsn` is: its segment, offset and payload length, and the segments after it.
    static func locate(_ lsn: UInt64, in directory: String) throws -> (segment: String, offset: Int, length: Int, later: [String]) {
        let segments = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix("segment-") }.sorted()
        for (index, name) in segments.enumerated() {
            let bytes = [UInt8](try #require(FileManager.default.contents(atPath: directory + "/" + name)))
            var position = 16
            while position + 16 <= bytes.count {
                let length = bytes[position..<position + 4].reversed().reduce(0) { $0 << 8 | Int($1) }
                let found = bytes[position + 8..<position + 16].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                guard length > 0, position + 16 + length <= bytes.count else { break }
                if found == lsn { return (directory + "/" + name, position, length, segments[(index + 1)...].map { directory + "/" + $0 }) }
                position += 16 + length
            }
        }
        throw CancellationError()
    }

    @Test func aDamagedEntryRefusesToOpenAndAfterRepairTheChainReadsBrokenAtThatEntry() async throws {
        let directory = temporaryDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await Self.writeTrail(directory, entries: 199)
        let entry101 = try Self.locate(101, in: directory)
        var bytes = [UInt8](try #require(FileManager.default.contents(atPath: entry101.segment)))
        bytes[entry101.offset + 16 + entry101.length / 2] ^= 0x20
        #expect(FileManager.default.createFile(atPath: entry101.segment, contents: Data(bytes)))

        #expect {
            try AuditTrail(directory: directory, clock: ManualClock())
        } throws: { error in
            guard case .damaged(let damage) = error as? JournalError else { return false }
            return damage.firstUnreadableLSN == 101 && damage.nextReadableLSN == 102
        }
        let plan = try JournalRepair.examine(directory: directory)
        #expect(plan.losses.map(\.records) == [101...101])
        try JournalRepair.apply(plan, savingOriginalsIn: directory + "-aside")
        defer { try? FileManager.default.removeItem(atPath: directory + "-aside") }

        let trail = try AuditTrail(directory: directory, clock: ManualClock())
        #expect(!trail.verified)
        #expect(trail.brokenAt == 101)
        #expect(trail.entries(since: 0, limit: 500).count == 198)
        let next = try await trail.record(actor: "admin", action: "test.entry", detail: "after the repair")
        #expect(next.seq == 200)
        trail.close()
    }

    @Test func entriesCutOffTheEndReadAsUnverifiedAndTheirSequenceNumbersAreNotReused() async throws {
        let directory = temporaryDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await Self.writeTrail(directory, entries: 199)
        // Cut the journal after entry 100: to the journal it is a torn tail, so it opens — the anchor shows the loss.
        let entry101 = try Self.locate(101, in: directory)
        let bytes = [UInt8](try #require(FileManager.default.contents(atPath: entry101.segment)))
        #expect(FileManager.default.createFile(atPath: entry101.segment, contents: Data(bytes[..<entry101.offset])))
        for later in entry101.later { try FileManager.default.removeItem(atPath: later) }

        let trail = try AuditTrail(directory: directory, clock: ManualClock())
        #expect(!trail.verified)
        #expect(trail.brokenAt == 101)
        #expect(trail.missingTail == 101...199)
        let next = try await trail.record(actor: "admin", action: "test.entry", detail: "after the cut")
        #expect(next.seq == 200)
        trail.close()
        // And it stays broken on the next open, from the journal alone.
        let again = try AuditTrail(directory: directory, clock: ManualClock())
        #expect(!again.verified && again.brokenAt == 101)
        again.close()
    }

    @Test func anIntactTrailStillVerifiesAcrossRestarts() async throws {
        let directory = temporaryDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await Self.writeTrail(directory, entries: 20)
        try await Self.writeTrail(directory, entries: 5)
        let trail = try AuditTrail(directory: directory, clock: ManualClock())
        #expect(trail.verified)
        #expect(trail.count == 25)
        #expect(!trail.anchorDamaged)
        trail.close()
    }
}

/// Only a torn tail — nothing valid after it — is cut at start, and the cut is reported in `/status`.
@Suite struct TornTailReportTests {
    @Test func aTornTailCutAtStartIsAFindingInStatus() async throws {
        let directory = temporaryDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let shop = try await TestShop.start(directory: directory)
        await shop.stop(removingData: false)
        // Half a record's worth of garbage after the last record, as a write cut short by a crash leaves.
        let store = directory + "/store"
        let segment = store + "/" + (try #require(try FileManager.default.contentsOfDirectory(atPath: store).filter { $0.hasPrefix("segment-") }.sorted().last))
        let handle = try #require(FileHandle(forWritingAtPath: segment))
        var bytes = [UInt8](try #require(FileManager.default.contents(atPath: segment)))
        var end = 16  // past the last record, before any preallocated zeros
        while end + 16 <= bytes.count {
            let length = bytes[end..<end + 4].reversed().reduce(0) { $0 << 8 | Int($1) }
            guard length > 0, end + 16 + length <= bytes.count else { break }
            end += 16 + length
        }
        bytes.removeSubrange(end...)
        try handle.truncate(atOffset: UInt64(bytes.count))
        try handle.seekToEnd()
        handle.write(Data([0x40, 0, 0, 0, 0xDE, 0xAD, 0xBE, 0xEF, 9, 9]))
        try handle.close()

        let reopened = try await TestShop.start(directory: directory)
        defer { Task { await reopened.stop() } }
        let status = reopened.core.status(listening: nil, openConnections: nil)
        #expect(status.components["store"]?.details["tornTailCut"] as? String == "10 bytes at \(URL(fileURLWithPath: segment).lastPathComponent):\(bytes.count)")
        #expect(status.findings.contains { $0.severity == .info && $0.message.contains("the store journal cut a torn tail when it opened: 10 bytes") })
    }
}
