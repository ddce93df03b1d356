import Foundation
import FuzzSupport
import Testing
@testable import Journal

/// Damage tests compute byte offsets, so they use plain growing segments: with preallocation, when the
/// journal moves from its first segment to a zero-filled spare depends on a background thread's timing.
private let plain = JournalOptions(preallocateSegments: false)

/// Writes `count` records of `size` bytes into a fresh journal and closes it.
private func writeJournal(_ dir: TemporaryDirectory, count: Int, size: Int = 60, options: JournalOptions = plain) async throws {
    let (journal, _) = try openJournal(dir.path, options: options)
    for i in 1...count { try await journal.appendDurably(payload(i, size: size)) }
    journal.close()
}

private func mutateFile(_ path: String, _ change: (inout [UInt8]) -> Void) {
    var bytes = [UInt8](FileManager.default.contents(atPath: path)!)
    change(&bytes)
    #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
}

@Suite struct JournalDamageTests {
    static let recordSize = 60 + RecordFormat.recordHeaderSize

    @Test func truncatedTailRecoversToTheLastWholeRecordAtEveryCutPoint() async throws {
        var generator = FuzzGenerator(seed: testSeed("truncatedTailRecovers"))
        for _ in 0..<25 {
            let dir = TemporaryDirectory()
            try await writeJournal(dir, count: 40)
            let segment = dir.path + "/" + dir.segments()[0]
            let fullSize = RecordFormat.segmentHeaderSize + 40 * Self.recordSize
            let cut = Int.random(in: RecordFormat.segmentHeaderSize..<fullSize, using: &generator)
            mutateFile(segment) { $0.removeSubrange(cut...) }

            let (journal, replayed) = try openJournal(dir.path, options: plain)
            let whole = (cut - RecordFormat.segmentHeaderSize) / Self.recordSize
            #expect(replayed.records.map(\.lsn) == (0..<whole).map { UInt64($0 + 1) })
            #expect(replayed.records.map(\.payload) == (0..<whole).map { payload($0 + 1, size: 60) })
            let dropped = cut - RecordFormat.segmentHeaderSize - whole * Self.recordSize
            if dropped > 0 {
                #expect(journal.recoveryReport.droppedTail?.byteCount == dropped)
                #expect(journal.recoveryReport.droppedTail?.offset == RecordFormat.segmentHeaderSize + whole * Self.recordSize)
            } else {
                #expect(journal.recoveryReport.droppedTail == nil)
            }
            // The log continues cleanly after the cut.
            #expect(try await journal.appendDurably(payload(999)) == UInt64(whole + 1))
            journal.close()
            let (_, again) = try openJournal(dir.path, options: plain)
            #expect(again.records.count == whole + 1)
        }
    }

    /// Found (issue 16): a byte flipped in the middle of the newest segment dropped every later record —
    /// valid, fsynced, acknowledged — with one info line. Now damage with a valid record after it refuses to
    /// open, naming the file, the offset and the records behind it; only a damaged last record is a torn tail.
    @Test func aFlippedByteInTheNewestSegmentRefusesToOpenUnlessNothingValidFollows() async throws {
        var generator = FuzzGenerator(seed: testSeed("aFlippedByteInTheNewestSegment"))
        for _ in 0..<25 {
            let dir = TemporaryDirectory()
            try await writeJournal(dir, count: 40)
            let segment = dir.path + "/" + dir.segments()[0]
            let position = Int.random(in: RecordFormat.segmentHeaderSize..<(RecordFormat.segmentHeaderSize + 40 * Self.recordSize), using: &generator)
            mutateFile(segment) { $0[position] ^= UInt8.random(in: 1...255, using: &generator) }
            let damagedRecord = (position - RecordFormat.segmentHeaderSize) / Self.recordSize
            let recordStart = RecordFormat.segmentHeaderSize + damagedRecord * Self.recordSize

            if damagedRecord == 39 {
                // The last record: nothing valid follows, so it is a torn tail and is cut.
                let (journal, replayed) = try openJournal(dir.path, options: plain)
                #expect(replayed.records.count == 39)
                #expect(journal.recoveryReport.droppedTail?.offset == recordStart)
                journal.close()
                continue
            }
            #expect {
                try openJournal(dir.path, options: plain)
            } throws: { error in
                guard case .damaged(let damage) = error as? JournalError else { return false }
                return damage.path == segment && damage.offset == recordStart && damage.firstUnreadableLSN == UInt64(damagedRecord + 1)
                    && damage.nextReadableLSN == UInt64(damagedRecord + 2) && damage.nextReadableOffset == recordStart + Self.recordSize
            }
        }
    }

    @Test func damageBeforeTheLastSegmentRefusesToOpenNamingTheNextReadableRecord() async throws {
        let dir = TemporaryDirectory()
        let options = JournalOptions(segmentByteLimit: 1024, preallocateSegments: false)
        try await writeJournal(dir, count: 100, options: options)
        let segments = dir.segments()
        #expect(segments.count > 3)
        let victim = dir.path + "/" + segments[1]
        mutateFile(victim) { $0[RecordFormat.segmentHeaderSize + 20] ^= 0xff }
        let firstOfVictim = try #require(JournalFiles.segmentFirstLSN(segments[1]))

        #expect {
            try openJournal(dir.path, options: options)
        } throws: { error in
            guard case .damaged(let damage) = error as? JournalError else { return false }
            return damage.path == victim && damage.offset == RecordFormat.segmentHeaderSize && damage.firstUnreadableLSN == firstOfVictim
                && damage.nextReadableLSN == firstOfVictim + 1
        }
    }

    @Test func tornSegmentHeaderIsRebuilt() async throws {
        let dir = TemporaryDirectory()
        let options = JournalOptions(segmentByteLimit: 512, preallocateSegments: false)
        try await writeJournal(dir, count: 30, options: options)
        let segmentsBefore = dir.segments()
        let last = try #require(segmentsBefore.last)
        let firstOfTorn = try #require(JournalFiles.segmentFirstLSN(last))
        mutateFile(dir.path + "/" + last) { $0.removeSubrange(5...) }
        let (journal, replayed) = try openJournal(dir.path, options: options)
        #expect(replayed.records.map(\.lsn) == Array(1..<firstOfTorn))
        #expect(dir.segments() == Array(segmentsBefore.dropLast()))
        let next = try journal.append(payload(1))
        #expect(next == firstOfTorn)
        journal.close()
        let (_, again) = try openJournal(dir.path, options: options)
        #expect(again.records.count == replayed.records.count + 1)
    }

    @Test func corruptSnapshotIsReportedNotIgnored() async throws {
        let dir = TemporaryDirectory()
        do {
            let (journal, _) = try openJournal(dir.path)
            for i in 1...5 { try await journal.appendDurably(payload(i)) }
            try journal.writeSnapshot(at: 5) { writer throws(JournalError) in try writer.write(Array("state".utf8)) }
            journal.close()
        }
        let snapshot = dir.path + "/" + dir.files().first { $0.hasPrefix("snapshot-") }!
        mutateFile(snapshot) { $0[SnapshotFormat.headerSize + 1] ^= 0x01 }
        #expect {
            try openJournal(dir.path)
        } throws: { error in
            guard case .snapshotCorrupt(_, let reason) = error as? JournalError else { return false }
            return reason == "checksum mismatch"
        }
    }

    @Test func replayErrorsStopRecoveryWithTheRecordNumber() async throws {
        struct Rejected: Error {}
        let dir = TemporaryDirectory()
        try await writeJournal(dir, count: 3)
        #expect(throws: JournalError.replayFailed(lsn: 2, reason: "Rejected()")) {
            _ = try Journal(directory: dir.path, restoreSnapshot: { _ in }, replay: { lsn, _ in if lsn == 2 { throw Rejected() } })
        }
    }
}
