#if canImport(Glibc)
import Glibc
#endif

/// The offline repair of one journal directory, for `shopdeck repair`: `examine` says what is damaged and
/// what a repair would drop, without changing anything; `apply` saves the files it changes elsewhere, then
/// rewrites them keeping every record that still reads back. An unreadable record becomes a *hole* — a
/// record marked lost — so the records after it keep their LSNs and the owner's replay goes on past it.
public enum JournalRepair {
    /// Something a repair drops.
    public struct Loss: Sendable, Equatable {
        /// The segment file, by name.
        public var segment: String
        /// The first byte dropped, and how many.
        public var offset: Int
        public var byteCount: Int
        /// The records that could not be read back (each becomes a hole); nil when only bytes that held no
        /// record are dropped.
        public var records: ClosedRange<UInt64>?
        public var reason: String
        /// A torn tail: what a crash cut short, never acknowledged (opening cuts it anyway).
        public var tornTail: Bool
        /// Damage wholly inside records the newest snapshot already holds: it costs nothing, opening skips
        /// it, and compaction will delete it.
        public var coveredBySnapshot: Bool
        /// Payloads the damaged bytes seem to hold, read by their headers' lengths without the checksum: what
        /// the owner may still recognise (a store's table and key) to say what was lost.
        public var damagedPayloads: [[UInt8]]
    }

    /// What `examine` found, and what `apply` would write.
    public struct Plan: Sendable {
        public var directory: String
        public var losses: [Loss]
        /// Damage a repair cannot mend (a snapshot that does not read back: the state it held is gone).
        public var unrepairable: [String]
        /// Records that read back and are kept, across all segments examined.
        public var recordsKept: Int
        /// New contents, by segment name.
        var rewrites: [(name: String, bytes: [UInt8])]

        /// Whether anything is damaged (a torn tail alone is not: opening cuts it; nor is damage inside what the
        /// snapshot holds: opening skips it).
        public var isDamaged: Bool { losses.contains { !$0.tornTail && !$0.coveredBySnapshot } || !unrepairable.isEmpty }
    }

    /// Reads the journal in `directory` and plans its repair. Changes nothing.
    public static func examine(directory: String, options: JournalOptions = JournalOptions()) throws(JournalError) -> Plan {
        let files = options.fileSystem
        let names = try files.listDirectory(directory).filter { !$0.hasSuffix(".tmp") }
        var plan = Plan(directory: directory, losses: [], unrepairable: [], recordsKept: 0, rewrites: [])
        var floor: UInt64 = 0
        if let newest = names.compactMap({ name in JournalFiles.snapshotLSN(name).map { (lsn: $0, name: name) } }).max(by: { $0.lsn < $1.lsn }) {
            floor = newest.lsn
            let path = directory + "/" + newest.name
            let bytes = try files.readAll(path)
            do {
                _ = try bytes.withBytes { (raw) throws(JournalError) in try SnapshotFormat.validate(raw, path: path) }
            } catch {
                plan.unrepairable.append("\(error): the state it holds (records up to \(newest.lsn)) is not in the log any more; restore it from a backup")
            }
        }
        var segments = names.compactMap { name in JournalFiles.segmentFirstLSN(name).map { SegmentInfo(firstLSN: $0, name: name) } }
            .sorted { $0.firstLSN < $1.firstLSN }
        while segments.count > 1, segments[1].firstLSN <= floor + 1 { segments.removeFirst() }

        for (index, segment) in segments.enumerated() {
            let next = index + 1 < segments.count ? segments[index + 1] : nil
            let bytes = try files.readAll(directory + "/" + segment.name)
            let examined = bytes.withUnsafeBytes { raw in
                examineSegment(raw, segment, next: next, floor: floor, maximumPayload: options.maximumRecordByteCount)
            }
            plan.losses += examined.losses
            plan.recordsKept += examined.kept
            if let problem = examined.unrepairable { plan.unrepairable.append(problem) }
            if examined.changed { plan.rewrites.append((segment.name, examined.bytes)) }
        }
        return plan
    }

    private struct ExaminedSegment {
        var bytes: [UInt8]
        var changed = false
        var kept = 0
        var losses: [Loss] = []
        var unrepairable: String?
    }

    /// One segment rebuilt from what reads back: its records as they are, holes for what does not.
    private static func examineSegment(_ raw: UnsafeRawBufferPointer, _ segment: SegmentInfo, next: SegmentInfo?, floor: UInt64,
                                       maximumPayload: Int) -> ExaminedSegment {
        var result = ExaminedSegment(bytes: RecordFormat.segmentHeader(firstLSN: segment.firstLSN))
        if RecordFormat.firstLSN(ofSegmentHeader: raw) != segment.firstLSN {
            let covered = segment.firstLSN <= floor
            result.changed = result.changed || !covered
            result.losses.append(Loss(segment: segment.name, offset: 0, byteCount: min(raw.count, RecordFormat.segmentHeaderSize), records: nil,
                                      reason: "segment header missing or damaged (rewritten from the file's name)", tornTail: false,
                                      coveredBySnapshot: covered, damagedPayloads: []))
        }
        var position = RecordFormat.segmentHeaderSize
        var expected = segment.firstLSN
        func holes(_ lsns: ClosedRange<UInt64>, _ reason: String, at offset: Int) {
            let note = Array("lost in repair: \(reason) at \(segment.name) byte \(offset)".utf8)
            for lsn in lsns { note.withUnsafeBytes { RecordFormat.appendRecord(lsn: lsn, payload: $0, hole: true, to: &result.bytes) } }
        }
        while position < raw.count, !(raw[position] == 0 && isZero(raw, from: position)) {
            let problem: String
            switch RecordFormat.read(raw, at: position, maximumPayload: maximumPayload) {
            case .success(let record) where record.lsn == expected:
                result.bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[position..<record.end]))
                if !record.hole { result.kept += 1 }
                position = record.end
                expected += 1
                continue
            case .success(let record):
                problem = RecordFormat.Damage.unexpectedLSN(expected: expected, found: record.lsn).reason
            case .failure(let damage):
                problem = damage.reason
            }
            let valid = RecordFormat.nextValidRecord(raw, after: position, minimumLSN: expected, maximumPayload: maximumPayload)
            let resume = valid.map { $0.payload.lowerBound - RecordFormat.recordHeaderSize } ?? raw.count
            let payloads = damagedPayloads(raw, from: position, to: resume, maximumPayload: maximumPayload)
            let resumeLSN = valid?.lsn ?? next?.firstLSN
            guard let resumeLSN else {
                // Nothing valid after it, and no later segment: a torn tail.
                result.losses.append(Loss(segment: segment.name, offset: position, byteCount: raw.count - position, records: nil, reason: problem,
                                          tornTail: true, coveredBySnapshot: false, damagedPayloads: payloads))
                return result
            }
            let lost = resumeLSN > expected ? expected...(resumeLSN - 1) : nil
            // As recovery judges it: damage that starts and ends inside what the snapshot holds costs nothing.
            let covered = expected <= floor && resumeLSN <= floor + 1
            result.changed = result.changed || !covered
            result.losses.append(Loss(segment: segment.name, offset: position, byteCount: resume - position, records: lost, reason: problem,
                                      tornTail: false, coveredBySnapshot: covered, damagedPayloads: payloads))
            if let lost { holes(lost, problem, at: position) }
            position = resume
            expected = max(expected, resumeLSN)
        }
        if let next, next.firstLSN != expected {
            guard next.firstLSN > expected else {
                result.unrepairable = "segments \(segment.name) and \(next.name) overlap (record \(next.firstLSN) is in both)"
                return result
            }
            // Records missing at the segment's end with no damaged bytes left to show for them.
            let lost = expected...(next.firstLSN - 1)
            result.changed = true
            result.losses.append(Loss(segment: segment.name, offset: position, byteCount: 0, records: lost, reason: "records missing before the next segment",
                                      tornTail: false, coveredBySnapshot: false, damagedPayloads: []))
            holes(lost, "records missing before the next segment", at: position)
        }
        return result
    }

    /// Payloads in `raw[from..<to]`, walking record headers by their lengths without trusting checksums.
    private static func damagedPayloads(_ raw: UnsafeRawBufferPointer, from start: Int, to end: Int, maximumPayload: Int) -> [[UInt8]] {
        var payloads: [[UInt8]] = []
        var position = start
        var total = 0
        while position + RecordFormat.recordHeaderSize <= end, total < 1 << 20 {
            let length = Int(raw.loadUnaligned(fromByteOffset: position, as: UInt32.self).littleEndian & ~RecordFormat.holeFlag)
            let payloadStart = position + RecordFormat.recordHeaderSize
            guard length > 0, length <= maximumPayload, payloadStart + length <= end else { break }
            payloads.append(Array(UnsafeRawBufferPointer(rebasing: raw[payloadStart..<payloadStart + length])))
            total += length
            position = payloadStart + length
        }
        return payloads
    }

    /// Carries out `plan`: every segment it rewrites is first copied into `asideDirectory` (created), then
    /// replaced through a synced temporary file. Throws, changing nothing, when the plan holds damage it
    /// cannot mend. Take the journal's lock first (`JournalFileSystem.lockDirectory`).
    public static func apply(_ plan: Plan, savingOriginalsIn asideDirectory: String, options: JournalOptions = JournalOptions()) throws(JournalError) {
        guard plan.unrepairable.isEmpty else {
            throw .corrupt(path: plan.directory, offset: 0, reason: plan.unrepairable.joined(separator: "; "))
        }
        guard !plan.rewrites.isEmpty else { return }
        let files = options.fileSystem
        try files.createDirectory(asideDirectory)
        for (name, bytes) in plan.rewrites {
            let original = try files.readAll(plan.directory + "/" + name)
            try write(original, to: asideDirectory + "/" + name, files)
            let temporary = plan.directory + "/" + name + ".repair.tmp"
            try write(bytes, to: temporary, files)
            try files.rename(temporary, to: plan.directory + "/" + name)
        }
        try files.syncDirectory(asideDirectory)
        try files.syncDirectory(plan.directory)
    }

    private static func write(_ bytes: [UInt8], to path: String, _ files: any JournalFileSystem) throws(JournalError) {
        let fd = try files.openFile(path, flags: O_WRONLY | O_CREAT | O_TRUNC)
        defer { files.closeFile(fd) }
        try bytes.withBytes { (raw) throws(JournalError) in try files.writeAll(fd, raw, at: 0, path: path) }
        try files.syncFile(fd, path: path)
    }
}
