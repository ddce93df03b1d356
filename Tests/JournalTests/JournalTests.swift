import Foundation
import Testing
@testable import Journal

@Suite struct JournalWriteAndRecoverTests {
    @Test func appendedRecordsComeBackInOrderAfterReopen() async throws {
        let dir = TemporaryDirectory()
        do {
            let (journal, replayed) = try openJournal(dir.path)
            #expect(replayed.records.isEmpty && replayed.snapshot == nil)
            for i in 1...100 {
                let lsn = try await journal.appendDurably(payload(i))
                #expect(lsn == UInt64(i))
            }
            #expect(journal.durableLSN == 100)
            journal.close()
        }
        let (journal, replayed) = try openJournal(dir.path)
        #expect(replayed.records.map(\.lsn) == Array(1...100))
        #expect(replayed.records.map(\.payload) == (1...100).map { payload($0) })
        #expect(journal.recoveryReport.lastLSN == 100)
        #expect(journal.recoveryReport.droppedTail == nil)
        #expect(try journal.append(payload(101)) == 101)
    }

    @Test func concurrentWritersShareFsyncsAndEveryRecordIsDurable() async throws {
        let dir = TemporaryDirectory()
        let (journal, _) = try openJournal(dir.path)
        let writers = 64, perWriter = 50
        let lsns = try await withThrowingTaskGroup(of: [UInt64].self) { group in
            for w in 0..<writers {
                group.addTask {
                    var mine: [UInt64] = []
                    for i in 0..<perWriter { mine.append(try await journal.appendDurably(payload(w * 1000 + i))) }
                    return mine
                }
            }
            var all: [UInt64] = []
            for try await part in group { all += part }
            return all
        }
        #expect(Set(lsns).count == writers * perWriter)
        let stats = journal.stats
        #expect(stats.recordsWritten == writers * perWriter)
        #expect(stats.fsyncCount < writers * perWriter, "group commit should batch: \(stats.fsyncCount) fsyncs")
        #expect(stats.largestBatch > 1)
        journal.close()
        let (_, replayed) = try openJournal(dir.path)
        #expect(replayed.records.count == writers * perWriter)
        #expect(replayed.records.map(\.lsn) == (1...UInt64(writers * perWriter)).map { $0 })
    }

    @Test func segmentsRotateAndRecoveryCrossesThem() async throws {
        let dir = TemporaryDirectory()
        let options = JournalOptions(segmentByteLimit: 4096)
        do {
            let (journal, _) = try openJournal(dir.path, options: options)
            for i in 1...500 { try await journal.appendDurably(payload(i, size: 100)) }
            #expect(journal.stats.segmentCount > 5)
            journal.close()
        }
        #expect(dir.segments().count > 5)
        let (_, replayed) = try openJournal(dir.path, options: options)
        #expect(replayed.records.map(\.lsn) == Array(1...500))
    }

    @Test func snapshotCompactsTheLogAndRecoveryStartsFromIt() async throws {
        let dir = TemporaryDirectory()
        let options = JournalOptions(segmentByteLimit: 4096)
        do {
            let (journal, _) = try openJournal(dir.path, options: options)
            for i in 1...300 { try await journal.appendDurably(payload(i, size: 100)) }
            let before = dir.segments().count
            try journal.writeSnapshot(at: 300) { writer throws(JournalError) in try writer.write(Array("state-at-300".utf8)) }
            for i in 301...310 { try await journal.appendDurably(payload(i, size: 100)) }
            #expect(dir.segments().count < before)
            #expect(dir.files().filter { $0.hasPrefix("snapshot-") }.count == 1)
            journal.close()
        }
        let (journal, replayed) = try openJournal(dir.path, options: options)
        #expect(replayed.snapshot == Array("state-at-300".utf8))
        #expect(replayed.records.map(\.lsn) == Array(301...310))
        #expect(journal.recoveryReport.snapshotLSN == 300)
        #expect(try journal.append(payload(311)) == 311)
    }

    @Test func secondSnapshotReplacesTheFirstAndReopenWithOnlyASnapshotContinuesNumbering() async throws {
        let dir = TemporaryDirectory()
        do {
            let (journal, _) = try openJournal(dir.path)
            for i in 1...20 { try await journal.appendDurably(payload(i)) }
            try journal.writeSnapshot(at: 10) { writer throws(JournalError) in try writer.write([1]) }
            try journal.writeSnapshot(at: 20) { writer throws(JournalError) in try writer.write([2]) }
            journal.close()
        }
        #expect(dir.files().filter { $0.hasPrefix("snapshot-") } == ["snapshot-00000000000000000020.snap"])
        let (journal, replayed) = try openJournal(dir.path)
        #expect(replayed.snapshot == [2])
        #expect(replayed.records.isEmpty)
        #expect(try await journal.appendDurably(payload(21)) == 21)
    }

    /// Two callers can pick their LSNs in one order and reach `writeSnapshot` in the other. The older snapshot
    /// must not replace the newer one: the newer one's compaction already deleted the segments the older would
    /// need (the crash enumeration found this: "log starts at record 68 but the snapshot ends at 61").
    @Test func anOlderSnapshotArrivingAfterANewerOneIsSkipped() async throws {
        let dir = TemporaryDirectory()
        let options = JournalOptions(segmentByteLimit: 1024)
        do {
            let (journal, _) = try openJournal(dir.path, options: options)
            for i in 1...200 { try await journal.appendDurably(payload(i, size: 100)) }
            #expect(try journal.writeSnapshot(at: 150) { writer throws(JournalError) in try writer.write([150]) })
            #expect(try !journal.writeSnapshot(at: 100) { writer throws(JournalError) in try writer.write([100]) })
            #expect(journal.stats.snapshotLSN == 150)
            journal.close()
        }
        #expect(dir.files().filter { $0.hasPrefix("snapshot-") } == ["snapshot-00000000000000000150.snap"])
        let (journal, replayed) = try openJournal(dir.path, options: options)
        #expect(replayed.snapshot == [150])
        #expect(replayed.records.map(\.lsn) == Array(151...200))
        #expect(try journal.append(payload(201)) == 201)
    }

    @Test func snapshotAheadOfTheDurableLogIsRefused() throws {
        let dir = TemporaryDirectory()
        let (journal, _) = try openJournal(dir.path)
        #expect(throws: JournalError.snapshotAheadOfLog(requested: 5, durable: 0)) {
            try journal.writeSnapshot(at: 5) { _ throws(JournalError) in }
        }
    }

    @Test func badRecordsAreRefused() throws {
        let dir = TemporaryDirectory()
        let (journal, _) = try openJournal(dir.path, options: JournalOptions(maximumRecordByteCount: 100))
        #expect(throws: JournalError.recordTooLarge(byteCount: 101, limit: 100)) { try journal.append([UInt8](repeating: 1, count: 101)) }
        #expect(throws: JournalError.recordTooLarge(byteCount: 0, limit: 100)) { try journal.append([]) }
    }

    @Test func closedJournalRefusesAppends() async throws {
        let dir = TemporaryDirectory()
        let (journal, _) = try openJournal(dir.path)
        let lsn = try journal.append(payload(1))
        journal.close()
        // What was appended before close is flushed by close.
        try await journal.waitUntilDurable(lsn)
        #expect(throws: JournalError.closed) { try journal.append(payload(2)) }
        await #expect(throws: JournalError.closed) { try await journal.waitUntilDurable(lsn + 1) }
    }

    @Test func directoryIsLockedAgainstASecondOpener() throws {
        let dir = TemporaryDirectory()
        let (journal, _) = try openJournal(dir.path)
        #expect(throws: JournalError.locked(path: dir.path, holderPID: getpid())) { try openJournal(dir.path) }
        journal.close()
        _ = journal
    }

    @Test func lockIsReleasedWhenTheJournalGoesAway() throws {
        let dir = TemporaryDirectory()
        do {
            let (journal, _) = try openJournal(dir.path)
            journal.close()
        }
        let (again, _) = try openJournal(dir.path)
        again.close()
    }

    @Test func lockErrorNamesTheHolder() {
        let text = JournalError.locked(path: "/data", holderPID: 4242).description
        #expect(text.contains("4242") && text.contains("/data"))
    }
}
