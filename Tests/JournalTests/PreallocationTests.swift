import Foundation
import Testing
@testable import Journal

@Suite struct PreallocatedSegmentTests {
    let options = JournalOptions(segmentByteLimit: 64 * 1024, preallocateSegments: true)

    /// Appends until the journal has moved into a zero-filled spare (its segment file is larger than the
    /// data in it), returning how many records were written. The spare is made by a background thread,
    /// so the loop waits on progress, not on time.
    func writeUntilPreallocated(_ journal: Journal, _ dir: TemporaryDirectory) async throws -> Int {
        var written = 0
        while written < 200_000 {
            written += 1
            try await journal.appendDurably(payload(written, size: 100))
            if let last = dir.segments().last, journal.stats.segmentCount > 1,
               let size = try FileManager.default.attributesOfItem(atPath: dir.path + "/" + last)[.size] as? Int,
               size == options.segmentByteLimit || size >= Journal.minimumSpareBytes {
                // A few records inside the preallocated segment too.
                for _ in 0..<5 {
                    written += 1
                    try await journal.appendDurably(payload(written, size: 100))
                }
                return written
            }
        }
        Issue.record("the journal never moved into a preallocated segment")
        return written
    }

    @Test func recoveryStopsCleanlyAtTheZeroFilledTail() async throws {
        let dir = TemporaryDirectory()
        var written = 0
        do {
            let (journal, _) = try openJournal(dir.path, options: options)
            written = try await writeUntilPreallocated(journal, dir)
            journal.close()
        }
        do {
            let (journal, replayed) = try openJournal(dir.path, options: options)
            #expect(replayed.records.map(\.lsn) == (1...written).map { UInt64($0) })
            #expect(journal.recoveryReport.droppedTail == nil)
            // Writing continues inside the preallocated file, after the last record.
            for i in 1...10 { try await journal.appendDurably(payload(written + i, size: 100)) }
            journal.close()
        }
        let (_, again) = try openJournal(dir.path, options: options)
        #expect(again.records.count == written + 10)
        #expect(again.records.map(\.payload).last == payload(written + 10, size: 100))
    }

    @Test func garbageInTheZeroTailIsCutAndReported() async throws {
        let dir = TemporaryDirectory()
        var written = 0
        do {
            let (journal, _) = try openJournal(dir.path, options: options)
            written = try await writeUntilPreallocated(journal, dir)
            journal.close()
        }
        let lastName = dir.segments().last!
        let last = dir.path + "/" + lastName
        var bytes = [UInt8](FileManager.default.contents(atPath: last)!)
        let recordsInLast = written - Int(JournalFiles.segmentFirstLSN(lastName)! - 1)
        let dataEnd = RecordFormat.segmentHeaderSize + recordsInLast * (RecordFormat.recordHeaderSize + 100)
        #expect(bytes[dataEnd...].allSatisfy { $0 == 0 } && bytes.count > dataEnd + 100)
        bytes[dataEnd + 100] = 0x5a
        #expect(FileManager.default.createFile(atPath: last, contents: Data(bytes)))

        let (journal, replayed) = try openJournal(dir.path, options: options)
        #expect(replayed.records.count == written)
        let dropped = try #require(journal.recoveryReport.droppedTail)
        #expect(dropped.offset == dataEnd)
        let size = try FileManager.default.attributesOfItem(atPath: last)[.size] as? Int
        #expect(size == dataEnd, "the damaged tail is cut off")
        journal.close()
    }
}
