import Foundation
import FuzzSupport
import Testing
@testable import Journal

/// `JournalRepair`: what a damaged journal loses is exactly its unreadable records; everything that reads
/// back is kept, with holes where the rest was, so LSNs and the records after the damage survive.
@Suite struct JournalRepairTests {
    private let plain = JournalOptions(preallocateSegments: false)
    static let recordSize = 60 + RecordFormat.recordHeaderSize

    private func write(_ dir: TemporaryDirectory, count: Int, options: JournalOptions) async throws {
        let (journal, _) = try openJournal(dir.path, options: options)
        for i in 1...count { try await journal.appendDurably(payload(i, size: 60)) }
        journal.close()
    }

    private func flip(_ path: String, at offset: Int) {
        var bytes = [UInt8](FileManager.default.contents(atPath: path)!)
        bytes[offset] ^= 0x5A
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
    }

    @Test func damageInTheMiddleOfTheNewestSegmentIsRefusedThenRepairedLosingExactlyTheDamagedRecord() async throws {
        let dir = TemporaryDirectory()
        try await write(dir, count: 40, options: plain)
        let segment = dir.segments()[0]
        // Record 17's payload.
        flip(dir.path + "/" + segment, at: RecordFormat.segmentHeaderSize + 16 * Self.recordSize + 30)
        #expect(throws: JournalError.self) { try openJournal(dir.path, options: plain) }

        let plan = try JournalRepair.examine(directory: dir.path, options: plain)
        #expect(plan.isDamaged)
        #expect(plan.unrepairable.isEmpty)
        #expect(plan.losses.count == 1)
        let loss = try #require(plan.losses.first)
        #expect(loss.segment == segment)
        #expect(loss.offset == RecordFormat.segmentHeaderSize + 16 * Self.recordSize)
        #expect(loss.byteCount == Self.recordSize)
        #expect(loss.records == 17...17)
        #expect(loss.reason == "checksum mismatch")
        #expect(!loss.tornTail)
        // The damaged bytes still show what the record held, but for the flipped byte.
        #expect(loss.damagedPayloads.count == 1 && loss.damagedPayloads[0].starts(with: Array("record-17-".utf8)))
        #expect(plan.recordsKept == 39)
        // Examining changed nothing.
        #expect(throws: JournalError.self) { try openJournal(dir.path, options: plain) }

        let aside = dir.path + "/aside"
        try JournalRepair.apply(plan, savingOriginalsIn: aside, options: plain)
        #expect(FileManager.default.fileExists(atPath: aside + "/" + segment))
        let (journal, replayed) = try openJournal(dir.path, options: plain)
        #expect(replayed.records.map(\.lsn) == (1...40).filter { $0 != 17 }.map(UInt64.init))
        #expect(replayed.records.allSatisfy { $0.payload == payload(Int($0.lsn), size: 60) })
        #expect(journal.recoveryReport.holes == 1)
        #expect(try journal.append(payload(41, size: 60)) == 41)
        journal.close()
        // A repaired journal examines clean.
        #expect(!(try JournalRepair.examine(directory: dir.path, options: plain)).isDamaged)
    }

    @Test func damageInAnOlderSegmentKeepsEveryLaterSegment() async throws {
        let dir = TemporaryDirectory()
        let options = JournalOptions(segmentByteLimit: 1024, preallocateSegments: false)
        try await write(dir, count: 100, options: options)
        let segments = dir.segments()
        let firstOfVictim = try #require(JournalFiles.segmentFirstLSN(segments[1]))
        // The length field of the victim's first record: its bytes no longer say where the next one starts.
        flip(dir.path + "/" + segments[1], at: RecordFormat.segmentHeaderSize + 1)
        #expect(throws: JournalError.self) { try openJournal(dir.path, options: options) }

        let plan = try JournalRepair.examine(directory: dir.path, options: options)
        #expect(plan.losses.map(\.records) == [firstOfVictim...firstOfVictim])
        try JournalRepair.apply(plan, savingOriginalsIn: dir.path + "/aside", options: options)
        let (journal, replayed) = try openJournal(dir.path, options: options)
        #expect(replayed.records.map(\.lsn) == (1...100).map(UInt64.init).filter { $0 != firstOfVictim })
        journal.close()
    }

    @Test func aDamagedSegmentHeaderIsRewrittenFromTheFileNameLosingNoRecord() async throws {
        let dir = TemporaryDirectory()
        let options = JournalOptions(segmentByteLimit: 1024, preallocateSegments: false)
        try await write(dir, count: 60, options: options)
        let segments = dir.segments()
        flip(dir.path + "/" + segments[1], at: 9)
        #expect(throws: JournalError.self) { try openJournal(dir.path, options: options) }
        let plan = try JournalRepair.examine(directory: dir.path, options: options)
        #expect(plan.losses.count == 1 && plan.losses[0].records == nil)
        try JournalRepair.apply(plan, savingOriginalsIn: dir.path + "/aside", options: options)
        let (journal, replayed) = try openJournal(dir.path, options: options)
        #expect(replayed.records.count == 60)
        journal.close()
    }

    @Test func aTornTailIsReportedButIsNotDamage() async throws {
        let dir = TemporaryDirectory()
        try await write(dir, count: 10, options: plain)
        let path = dir.path + "/" + dir.segments()[0]
        var bytes = [UInt8](FileManager.default.contents(atPath: path)!)
        // Direct writes pad the segment with zeros to a block boundary: cut into the last record, not the padding.
        while bytes.last == 0 { bytes.removeLast() }
        bytes.removeLast(7)
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        let plan = try JournalRepair.examine(directory: dir.path, options: plain)
        #expect(!plan.isDamaged)
        #expect(plan.losses.map(\.tornTail) == [true])
    }

    @Test func aDamagedSnapshotCannotBeRepairedAndApplyChangesNothing() async throws {
        let dir = TemporaryDirectory()
        let (journal, _) = try openJournal(dir.path, options: plain)
        for i in 1...5 { try await journal.appendDurably(payload(i)) }
        try journal.writeSnapshot(at: 5) { writer throws(JournalError) in try writer.write(Array("state".utf8)) }
        journal.close()
        let snapshot = dir.path + "/" + dir.files().first { $0.hasPrefix("snapshot-") }!
        flip(snapshot, at: SnapshotFormat.headerSize + 1)
        let plan = try JournalRepair.examine(directory: dir.path, options: plain)
        #expect(plan.isDamaged)
        #expect(plan.unrepairable.count == 1 && plan.unrepairable[0].contains("backup"))
        #expect(throws: JournalError.self) { try JournalRepair.apply(plan, savingOriginalsIn: dir.path + "/aside", options: plain) }
    }

    /// Random damage anywhere in a multi-segment journal: opening either succeeds with every record (a torn
    /// tail at most) or refuses; after a repair it opens, and the records lost are exactly the planned ones.
    /// The fuzzer of journal recovery: `SHOPDECK_FUZZ_CASES` and `SHOPDECK_FUZZ_SEED` as for the parsers.
    @Test func randomDamageIsEitherATornTailOrRefusedAndRepairLosesOnlyWhatItPlanned() async throws {
        let seed = ProcessInfo.processInfo.environment["SHOPDECK_FUZZ_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 1...UInt64.max)
        let cases = ProcessInfo.processInfo.environment["SHOPDECK_FUZZ_CASES"].flatMap(Int.init).map { max(1, $0 / 100) } ?? 30
        print("fuzz journal recovery: seed \(seed), \(cases) cases (replay with SHOPDECK_FUZZ_SEED=\(seed))")
        var generator = FuzzGenerator(seed: seed)
        let options = JournalOptions(segmentByteLimit: 2048, preallocateSegments: false)
        for _ in 0..<cases {
            let dir = TemporaryDirectory()
            try await write(dir, count: 80, options: options)
            let segments = dir.segments()
            let victim = dir.path + "/" + segments.randomElement(using: &generator)!
            var bytes = [UInt8](FileManager.default.contents(atPath: victim)!)
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                bytes[Int.random(in: 0..<bytes.count, using: &generator)] ^= UInt8.random(in: 1...255, using: &generator)
            }
            #expect(FileManager.default.createFile(atPath: victim, contents: Data(bytes)))

            let plan = try JournalRepair.examine(directory: dir.path, options: options)
            let planned = Set(plan.losses.compactMap(\.records).flatMap { Array($0) })
            if plan.isDamaged {
                // Opening must refuse what the plan calls damage (and is closed at once if it does not).
                if let (unexpected, _) = try? openJournal(dir.path, options: options) {
                    unexpected.close()
                    Issue.record("the plan found damage (\(plan.losses)) but the journal opened")
                }
                try JournalRepair.apply(plan, savingOriginalsIn: dir.path + "/aside", options: options)
            }
            let (journal, replayed) = try openJournal(dir.path, options: options)
            let recovered = Set(replayed.records.map(\.lsn))
            let tail = plan.losses.contains { $0.tornTail }
            for lsn in 1...UInt64(80) where !planned.contains(lsn) && !tail {
                #expect(recovered.contains(lsn), "record \(lsn) lost though the plan kept it")
            }
            #expect(recovered.isDisjoint(with: planned))
            #expect(replayed.records.allSatisfy { $0.payload == payload(Int($0.lsn), size: 60) })
            journal.close()
        }
    }
}
