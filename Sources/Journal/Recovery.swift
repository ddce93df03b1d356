#if canImport(Glibc)
import Glibc
#endif

/// A segment file known to the journal.
struct SegmentInfo: Sendable {
    var firstLSN: UInt64
    var name: String
}

/// Where recovery left the log: what the writer continues from.
struct RecoveredLog {
    var segments: [SegmentInfo]
    /// Where the next record goes in the last segment.
    var activeSize: Int
    /// The last segment's preallocated (zero-filled) size, or 0 when it grows with each write.
    var activeCapacity: Int
    var nextLSN: UInt64
    var snapshotLSN: UInt64?
    var report: RecoveryReport
}

/// Rebuilds the owner's state from the newest snapshot and the records after it, and repairs a torn tail.
struct Recovery {
    let directory: String
    let options: JournalOptions

    func run(
        restoreSnapshot: (UnsafeRawBufferPointer) throws -> Void,
        replay: (UInt64, UnsafeRawBufferPointer) throws -> Void
    ) throws(JournalError) -> RecoveredLog {
        var report = RecoveryReport()
        let names = try FileSystem.listDirectory(directory)
        for name in names where name.hasSuffix(".tmp") {
            try FileSystem.remove(path(name))
        }

        let snapshotLSN = try restoreNewestSnapshot(names: names, restore: restoreSnapshot)
        report.snapshotLSN = snapshotLSN
        let floor = snapshotLSN ?? 0

        var segments = names.compactMap { name in JournalFiles.segmentFirstLSN(name).map { SegmentInfo(firstLSN: $0, name: name) } }
            .sorted { $0.firstLSN < $1.firstLSN }
        // Segments wholly covered by the snapshot are left over from an interrupted compaction.
        while segments.count > 1, segments[1].firstLSN <= floor + 1 {
            try FileSystem.remove(path(segments[0].name))
            segments.removeFirst()
        }

        var lastLSN = floor
        var activeSize = 0
        var activeCapacity = 0
        var index = 0
        while index < segments.count {
            let segment = segments[index]
            let isLast = index == segments.count - 1
            let bytes = try FileSystem.readAll(path(segment.name))
            report.bytesRead += bytes.count
            let outcome = try bytes.withBytes { (raw) throws(JournalError) -> (goodEnd: Int, last: UInt64, damage: String?) in
                guard let declared = RecordFormat.firstLSN(ofSegmentHeader: raw), declared == segment.firstLSN else {
                    return (0, segment.firstLSN - 1, "segment header missing or damaged")
                }
                if index == 0, segment.firstLSN > floor + 1 {
                    throw .corrupt(path: path(segment.name), offset: 0,
                                   reason: "log starts at record \(segment.firstLSN) but the snapshot ends at \(floor)")
                }
                if index > 0, segment.firstLSN != lastLSN + 1 {
                    throw .corrupt(path: path(segment.name), offset: 0,
                                   reason: "segment starts at record \(segment.firstLSN), expected \(lastLSN + 1)")
                }
                do {
                    let scan = try RecordFormat.scan(raw, from: RecordFormat.segmentHeaderSize, firstLSN: segment.firstLSN,
                                                     maximumPayload: options.maximumRecordByteCount) { lsn, payload in
                        guard lsn > floor else { return }
                        do { try replay(lsn, payload) } catch { throw JournalError.replayFailed(lsn: lsn, reason: "\(error)") }
                        report.recordsReplayed += 1
                    }
                    return (scan.goodEnd, scan.lastLSN, scan.damage?.reason)
                } catch let error as JournalError {
                    throw error
                } catch {
                    throw .replayFailed(lsn: 0, reason: "\(error)")
                }
            }
            lastLSN = max(lastLSN, outcome.last)

            guard let damage = outcome.damage else {
                activeSize = outcome.goodEnd
                activeCapacity = outcome.goodEnd < bytes.count ? bytes.count : 0
                index += 1
                continue
            }
            if !isLast && options.midLogCorruption == .fail {
                throw .corrupt(path: path(segment.name), offset: outcome.goodEnd, reason: damage)
            }
            report.droppedTail = .init(segment: segment.name, offset: outcome.goodEnd,
                                       byteCount: bytes.count - outcome.goodEnd, reason: damage)
            for later in segments[(index + 1)...] {
                try FileSystem.remove(path(later.name))
                report.droppedSegments.append(later.name)
            }
            segments.removeSubrange((index + 1)...)
            if outcome.goodEnd < RecordFormat.segmentHeaderSize {
                // The segment was being created when the process died: start it again.
                // activeSize still holds the size of the previous (whole) segment, which becomes the active one again.
                try FileSystem.remove(path(segment.name))
                segments.removeLast()
            } else {
                // Cutting the file (rather than zeroing the damage) also ends any preallocation, so no stale
                // bytes remain past the records written next.
                try FileSystem.truncate(path(segment.name), to: outcome.goodEnd)
                activeSize = outcome.goodEnd
                activeCapacity = 0
            }
            break
        }

        // The log may end before the snapshot (its segments were compacted away): continue after the snapshot,
        // in a fresh segment so LSNs stay contiguous within every segment.
        if lastLSN < floor || segments.isEmpty {
            lastLSN = max(lastLSN, floor)
            let segment = try createSegment(firstLSN: lastLSN + 1)
            segments.append(segment)
            activeSize = RecordFormat.segmentHeaderSize
            activeCapacity = 0
        }
        report.lastLSN = lastLSN
        try FileSystem.syncDirectory(directory)
        return RecoveredLog(segments: segments, activeSize: activeSize, activeCapacity: activeCapacity, nextLSN: lastLSN + 1,
                            snapshotLSN: snapshotLSN, report: report)
    }

    private func restoreNewestSnapshot(names: [String], restore: (UnsafeRawBufferPointer) throws -> Void) throws(JournalError) -> UInt64? {
        let snapshots = names.compactMap { name in JournalFiles.snapshotLSN(name).map { (lsn: $0, name: name) } }
            .sorted { $0.lsn < $1.lsn }
        guard let newest = snapshots.last else { return nil }
        let snapshotPath = path(newest.name)
        let bytes = try FileSystem.readAll(snapshotPath)
        try bytes.withBytes { (raw) throws(JournalError) in
            let (lsn, body) = try SnapshotFormat.validate(raw, path: snapshotPath)
            guard lsn == newest.lsn else { throw .snapshotCorrupt(path: snapshotPath, reason: "name and contents disagree on the record number") }
            do { try restore(UnsafeRawBufferPointer(rebasing: raw[body])) } catch {
                throw .snapshotCorrupt(path: snapshotPath, reason: "\(error)")
            }
        }
        for older in snapshots.dropLast() { try FileSystem.remove(path(older.name)) }
        return newest.lsn
    }

    func path(_ name: String) -> String { directory + "/" + name }

    /// Turns a zero-filled spare into the segment starting at `firstLSN`: header first, then the rename,
    /// each made durable, so the name never points at a file without its header.
    func promoteSpare(at sparePath: String, firstLSN: UInt64) throws(JournalError) -> SegmentInfo {
        let name = JournalFiles.segmentName(firstLSN: firstLSN)
        let fd = try FileSystem.openFile(sparePath, flags: O_WRONLY)
        defer { close(fd) }
        let header = RecordFormat.segmentHeader(firstLSN: firstLSN)
        try header.withBytes { (raw) throws(JournalError) in try FileSystem.writeAll(fd, raw, at: 0, path: sparePath) }
        try FileSystem.syncData(fd, path: sparePath)
        try FileSystem.rename(sparePath, to: path(name))
        try FileSystem.syncDirectory(directory)
        return SegmentInfo(firstLSN: firstLSN, name: name)
    }

    /// Creates an empty segment whose first record will be `firstLSN`, durably.
    func createSegment(firstLSN: UInt64) throws(JournalError) -> SegmentInfo {
        let name = JournalFiles.segmentName(firstLSN: firstLSN)
        let fd = try FileSystem.openFile(path(name), flags: O_WRONLY | O_CREAT | O_TRUNC)
        defer { close(fd) }
        let header = RecordFormat.segmentHeader(firstLSN: firstLSN)
        try header.withBytes { (raw) throws(JournalError) in try FileSystem.writeAll(fd, raw, at: 0, path: path(name)) }
        try FileSystem.syncData(fd, path: path(name))
        try FileSystem.syncDirectory(directory)
        return SegmentInfo(firstLSN: firstLSN, name: name)
    }
}
