import Foundation
import FuzzSupport
import Testing
@testable import Journal

/// The journal on the real file system with direct I/O: segments take whole aligned blocks, the last partial
/// block is written again in front of each batch, and the records read back across reopens and rotations.
@Suite struct DirectWriteTests {
    /// The type of the file system `path` is on, from the longest mount point above it in /proc/self/mounts.
    static func fileSystemType(_ path: String) -> String {
        let mounts = (try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8)) ?? ""
        var best: (point: String, type: String) = ("", "")
        for line in mounts.split(separator: "\n") {
            let fields = line.split(separator: " ").map(String.init)
            guard fields.count > 2 else { continue }
            let point = fields[1]
            let under = point == "/" || path == point || path.hasPrefix(point + "/")
            if under, point.count > best.point.count { best = (point, fields[2]) }
        }
        return best.type
    }

    @Test func segmentsOpenForDirectWritesWhereTheFileSystemTakesThem() throws {
        let dir = TemporaryDirectory()
        let path = dir.path + "/segment"
        #expect(FileManager.default.createFile(atPath: path, contents: Data()))
        let direct = try PosixFileSystem().openForAppends(path)
        defer { PosixFileSystem().closeFile(direct.fd) }
        let buffered = try PosixFileSystem(directWrites: false).openForAppends(path)
        defer { PosixFileSystem().closeFile(buffered.fd) }
        #expect(buffered == AppendFile(fd: buffered.fd, alignment: 1, writesAreDurable: false))
        // ext4 (this machine's and CI's) takes O_DIRECT; elsewhere the segment may be written the buffered way.
        if Self.fileSystemType(dir.path) == "ext4" {
            #expect(direct == AppendFile(fd: direct.fd, alignment: AppendFile.largestAlignment, writesAreDurable: true))
        } else {
            #expect(direct.alignment == 1 || direct.writesAreDurable, "a direct segment is durable on write")
        }
    }

    /// Records of random sizes (many smaller than a block, some larger than several), from several writers at
    /// once, across small segments (so rotation starts new segments, spares and files that grow) and across
    /// reopens (so the last partial block comes from recovery). Every record reads back, in order, with the
    /// bytes written, and the segments end in zeros at most — never in bytes of an older write.
    @Test func recordsOfEverySizeReadBackAcrossReopensAndRotations() async throws {
        let seed = testSeed("direct writes")
        var generator = FuzzGenerator(seed: seed)
        let dir = TemporaryDirectory()
        let options = JournalOptions(segmentByteLimit: 96 << 10)
        var expected: [[UInt8]] = []
        for round in 0..<4 {
            let (journal, replayed) = try openJournal(dir.path, options: options)
            #expect(replayed.records.map(\.payload) == expected, "seed \(seed) round \(round)")
            #expect(journal.recoveryReport.droppedTail == nil, "seed \(seed) round \(round)")
            let batches = (0..<40).map { _ in
                (0..<Int.random(in: 1...8, using: &generator)).map { _ -> [UInt8] in
                    let size = Bool.random(using: &generator) ? Int.random(in: 1...300, using: &generator)
                                                              : Int.random(in: 1...20_000, using: &generator)
                    return (0..<size).map { _ in UInt8.random(in: 1...255, using: &generator) }
                }
            }
            for batch in batches {
                let lsns = try await withThrowingTaskGroup(of: (Int, UInt64).self) { group in
                    for (index, record) in batch.enumerated() {
                        group.addTask { (index, try await journal.appendDurably(record)) }
                    }
                    var lsns = [UInt64](repeating: 0, count: batch.count)
                    for try await (index, lsn) in group { lsns[index] = lsn }
                    return lsns
                }
                for (record, _) in zip(batch, lsns).sorted(by: { $0.1 < $1.1 }) { expected.append(record) }
            }
            #expect(journal.stats.segmentCount > 1, "seed \(seed) round \(round)")
            journal.close()
        }
        let (_, replayed) = try openJournal(dir.path, options: options)
        #expect(replayed.records.map(\.lsn) == (1...UInt64(expected.count)).map { $0 }, "seed \(seed)")
        #expect(replayed.records.map(\.payload) == expected, "seed \(seed)")
    }

    /// A batch larger than the appender's staging area (1 MB) moves it to a larger one and back, keeping the
    /// partial block the next write starts from.
    @Test func batchesLargerThanTheStagingAreaKeepTheBlockThatFollows() async throws {
        let dir = TemporaryDirectory()
        let records = [payload(1, size: 100), payload(2, size: 3 << 20), payload(3, size: 77), payload(4, size: (1 << 20) + 5), payload(5, size: 10)]
        do {
            let (journal, _) = try openJournal(dir.path)
            for record in records { try await journal.appendDurably(record) }
            journal.close()
        }
        let (journal, replayed) = try openJournal(dir.path)
        let same = replayed.records.map(\.payload) == records
        #expect(same, "read back \(replayed.records.map(\.payload.count)) bytes, wrote \(records.map(\.count))")
        try await journal.appendDurably(payload(6, size: 50))
        journal.close()
        #expect(try openJournal(dir.path).1.records.map(\.lsn) == Array(1...6))
    }

    /// With direct writes on, what a segment holds is what buffered writes would have put there, up to the
    /// zeros that pad the last block.
    @Test func directAndBufferedSegmentsHoldTheSameRecords() async throws {
        var contents: [[UInt8]] = []
        for fileSystem in [PosixFileSystem(directWrites: true), PosixFileSystem(directWrites: false)] {
            let dir = TemporaryDirectory()
            let (journal, _) = try openJournal(dir.path, options: JournalOptions(preallocateSegments: false, fileSystem: fileSystem))
            for i in 1...300 { try await journal.appendDurably(payload(i, size: 1 + (i * 37) % 900)) }
            journal.close()
            var bytes = [UInt8](FileManager.default.contents(atPath: dir.path + "/" + dir.segments()[0])!)
            while bytes.last == 0 { bytes.removeLast() }
            contents.append(bytes)
        }
        // Compared to a Bool first: a failing `==` on two arrays this size takes minutes to print.
        let same = contents[0] == contents[1]
        #expect(same, "direct: \(contents[0].count) bytes, buffered: \(contents[1].count)")
    }
}
