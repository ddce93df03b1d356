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
    /// The last segment's bytes from the last `AppendFile.largestAlignment` boundary up to `activeSize`: what an
    /// aligned writer must write again in front of its first batch.
    var activeTail: [UInt8]
    var nextLSN: UInt64
    var snapshotLSN: UInt64?
    var report: RecoveryReport
}

/// Rebuilds the owner's state from the newest snapshot and the records after it, and cuts a torn tail.
///
/// A record that does not read back is a torn tail only when nothing valid follows it: a crash leaves
/// nothing after the last write. When a valid record follows (later in the segment, or in a later segment),
/// the bad one is damage and the records after it were acknowledged: recovery refuses with `.damaged`,
/// naming the file, the offset and the records behind it, rather than drop them. `JournalRepair` then keeps
/// every record that still reads back.
struct Recovery {
    let directory: String
    let options: JournalOptions
    var files: any JournalFileSystem { options.fileSystem }

    /// How a segment's scan ended.
    private struct SegmentScan {
        var goodEnd: Int
        var lastLSN: UInt64
        /// Why the records stop at `goodEnd`, when they do before the end of the file (nothing valid follows).
        var tail: String?
    }

    func run(
        restoreSnapshot: (UnsafeRawBufferPointer) throws -> Void,
        replay: (UInt64, UnsafeRawBufferPointer) throws -> Void
    ) throws(JournalError) -> RecoveredLog {
        var report = RecoveryReport()
        let names = try files.listDirectory(directory)
        for name in names where name.hasSuffix(".tmp") {
            try files.remove(path(name))
        }

        let snapshotLSN = try restoreNewestSnapshot(names: names, restore: restoreSnapshot)
        report.snapshotLSN = snapshotLSN
        let floor = snapshotLSN ?? 0

        var segments = names.compactMap { name in JournalFiles.segmentFirstLSN(name).map { SegmentInfo(firstLSN: $0, name: name) } }
            .sorted { $0.firstLSN < $1.firstLSN }
        // Segments wholly covered by the snapshot are left over from an interrupted compaction.
        while segments.count > 1, segments[1].firstLSN <= floor + 1 {
            try files.remove(path(segments[0].name))
            segments.removeFirst()
        }

        var lastLSN = floor
        var activeSize = 0
        var activeCapacity = 0
        var activeTail: [UInt8] = []
        var index = 0
        while index < segments.count {
            let segment = segments[index]
            let isLast = index == segments.count - 1
            let bytes = try files.readAll(path(segment.name))
            report.bytesRead += bytes.count
            if index == 0, segment.firstLSN > floor + 1 {
                throw .corrupt(path: path(segment.name), offset: 0, reason: "log starts at record \(segment.firstLSN) but the snapshot ends at \(floor)")
            }
            if index > 0, segment.firstLSN != lastLSN + 1 {
                throw .corrupt(path: path(segment.name), offset: 0, reason: "segment starts at record \(segment.firstLSN), expected \(lastLSN + 1)")
            }
            let nextSegment = isLast ? nil : segments[index + 1]
            let scan = try bytes.withBytes { (raw) throws(JournalError) -> SegmentScan in
                try scanSegment(raw, segment, next: nextSegment, floor: floor, report: &report, replay: replay)
            }
            lastLSN = max(lastLSN, scan.lastLSN)

            guard let reason = scan.tail else {
                activeSize = scan.goodEnd
                activeTail = Self.tail(of: bytes, end: scan.goodEnd)
                activeCapacity = scan.goodEnd < bytes.count ? bytes.count : 0
                index += 1
                continue
            }
            // A torn tail: only the last segment can have one (`scanSegment` refuses anywhere else).
            report.droppedTail = .init(segment: segment.name, offset: scan.goodEnd, byteCount: bytes.count - scan.goodEnd, reason: reason)
            if scan.goodEnd < RecordFormat.segmentHeaderSize {
                // The segment was being created when the process died: start it again.
                // activeSize still holds the size of the previous (whole) segment, which becomes the active one again.
                try files.remove(path(segment.name))
                segments.removeLast()
            } else {
                // Cutting the file (rather than zeroing the damage) also ends any preallocation, so no stale
                // bytes remain past the records written next.
                try files.truncate(path(segment.name), to: scan.goodEnd)
                activeSize = scan.goodEnd
                activeTail = Self.tail(of: bytes, end: scan.goodEnd)
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
            activeTail = RecordFormat.segmentHeader(firstLSN: segment.firstLSN)
        }
        report.lastLSN = lastLSN
        try files.syncDirectory(directory)
        return RecoveredLog(segments: segments, activeSize: activeSize, activeCapacity: activeCapacity, activeTail: activeTail,
                            nextLSN: lastLSN + 1,
                            snapshotLSN: snapshotLSN, report: report)
    }

    /// Replays one segment's records after `floor`. Returns where its valid records end and, for the last
    /// segment, why the rest is a torn tail; throws `.damaged` when records that read back follow a bad one.
    private func scanSegment(
        _ raw: UnsafeRawBufferPointer, _ segment: SegmentInfo, next: SegmentInfo?, floor: UInt64, report: inout RecoveryReport,
        replay: (UInt64, UnsafeRawBufferPointer) throws -> Void
    ) throws(JournalError) -> SegmentScan {
        let maximum = options.maximumRecordByteCount
        var position = RecordFormat.segmentHeaderSize
        var expected = segment.firstLSN
        var damage: String?
        if RecordFormat.firstLSN(ofSegmentHeader: raw).map({ $0 == segment.firstLSN }) != true {
            position = 0
            damage = "segment header missing or damaged"
        }
        while true {
            if damage == nil {
                guard position < raw.count else { return SegmentScan(goodEnd: position, lastLSN: expected - 1) }
                // Preallocated segments are zero-filled past the last record: an all-zero rest is a clean end.
                if raw[position] == 0, isZero(raw, from: position) { return SegmentScan(goodEnd: position, lastLSN: expected - 1) }
                switch RecordFormat.read(raw, at: position, maximumPayload: maximum) {
                case .failure(let problem):
                    damage = problem.reason
                case .success(let record) where record.lsn != expected:
                    damage = RecordFormat.Damage.unexpectedLSN(expected: expected, found: record.lsn).reason
                case .success(let record):
                    if record.hole {
                        report.holes += 1
                    } else if record.lsn > floor {
                        do { try replay(record.lsn, UnsafeRawBufferPointer(rebasing: raw[record.payload])) } catch {
                            throw JournalError.replayFailed(lsn: record.lsn, reason: "\(error)")
                        }
                        report.recordsReplayed += 1
                    }
                    position = record.end
                    expected += 1
                    continue
                }
            }
            guard let reason = damage else { continue }
            // Something does not read back at `position`. What follows decides what it is.
            if let valid = RecordFormat.nextValidRecord(raw, after: max(position, RecordFormat.segmentHeaderSize - 1), minimumLSN: expected,
                                                        maximumPayload: maximum) {
                // Damage that starts and ends inside records the snapshot already holds costs the owner nothing.
                guard expected > floor || valid.lsn > floor + 1 else {
                    position = valid.payload.lowerBound - RecordFormat.recordHeaderSize
                    expected = valid.lsn
                    damage = nil
                    continue
                }
                throw .damaged(JournalDamage(path: path(segment.name), offset: position, reason: reason, firstUnreadableLSN: expected,
                                             nextReadableLSN: valid.lsn, nextReadablePath: path(segment.name),
                                             nextReadableOffset: valid.payload.lowerBound - RecordFormat.recordHeaderSize))
            }
            if let next {
                guard expected > floor || next.firstLSN > floor + 1 else { return SegmentScan(goodEnd: position, lastLSN: next.firstLSN - 1) }
                throw .damaged(JournalDamage(path: path(segment.name), offset: position, reason: reason, firstUnreadableLSN: expected,
                                             nextReadableLSN: next.firstLSN, nextReadablePath: path(next.name),
                                             nextReadableOffset: RecordFormat.segmentHeaderSize))
            }
            return SegmentScan(goodEnd: position, lastLSN: expected - 1, tail: reason)
        }
    }

    private func restoreNewestSnapshot(names: [String], restore: (UnsafeRawBufferPointer) throws -> Void) throws(JournalError) -> UInt64? {
        let snapshots = names.compactMap { name in JournalFiles.snapshotLSN(name).map { (lsn: $0, name: name) } }
            .sorted { $0.lsn < $1.lsn }
        guard let newest = snapshots.last else { return nil }
        let snapshotPath = path(newest.name)
        let bytes = try files.readAll(snapshotPath)
        try bytes.withBytes { (raw) throws(JournalError) in
            let (lsn, body) = try SnapshotFormat.validate(raw, path: snapshotPath)
            guard lsn == newest.lsn else { throw .snapshotCorrupt(path: snapshotPath, reason: "name and contents disagree on the record number") }
            do { try restore(UnsafeRawBufferPointer(rebasing: raw[body])) } catch {
                throw .snapshotCorrupt(path: snapshotPath, reason: "\(error)")
            }
        }
        for older in snapshots.dropLast() { try files.remove(path(older.name)) }
        return newest.lsn
    }

    func path(_ name: String) -> String { directory + "/" + name }

    /// `bytes` from the last `AppendFile.largestAlignment` boundary before `end` up to `end`.
    private static func tail(of bytes: [UInt8], end: Int) -> [UInt8] {
        Array(bytes[(end - end % AppendFile.largestAlignment)..<end])
    }

    /// Turns a zero-filled spare into the segment starting at `firstLSN`: header first, then the rename,
    /// each made durable, so the name never points at a file without its header.
    func promoteSpare(at sparePath: String, firstLSN: UInt64) throws(JournalError) -> SegmentInfo {
        let name = JournalFiles.segmentName(firstLSN: firstLSN)
        let fd = try files.openFile(sparePath, flags: O_WRONLY)
        defer { files.closeFile(fd) }
        let header = RecordFormat.segmentHeader(firstLSN: firstLSN)
        try header.withBytes { (raw) throws(JournalError) in try files.writeAll(fd, raw, at: 0, path: sparePath) }
        try files.syncData(fd, path: sparePath)
        try files.rename(sparePath, to: path(name))
        try files.syncDirectory(directory)
        return SegmentInfo(firstLSN: firstLSN, name: name)
    }

    /// Creates an empty segment whose first record will be `firstLSN`, durably.
    func createSegment(firstLSN: UInt64) throws(JournalError) -> SegmentInfo {
        let name = JournalFiles.segmentName(firstLSN: firstLSN)
        let fd = try files.openFile(path(name), flags: O_WRONLY | O_CREAT | O_TRUNC)
        defer { files.closeFile(fd) }
        let header = RecordFormat.segmentHeader(firstLSN: firstLSN)
        try header.withBytes { (raw) throws(JournalError) in try files.writeAll(fd, raw, at: 0, path: path(name)) }
        try files.syncData(fd, path: path(name))
        try files.syncDirectory(directory)
        return SegmentInfo(firstLSN: firstLSN, name: name)
    }
}
