#if canImport(Glibc)
import Glibc
#endif

/// The flusher's writes to the active segment.
///
/// A segment open for direct I/O (`AppendFile.alignment` > 1) takes only whole, aligned blocks. So the appender
/// keeps the segment's last partial block and writes it again in front of the next batch, padded with zeros to
/// the next boundary (as PostgreSQL rewrites a WAL page that is not yet full).
///
/// Rewriting those bytes is safe across a crash. A block the disk writes only in part holds, in each sector,
/// either the old bytes or the new, and the two agree wherever a durable record lies. The padding lands where the
/// segment already holds zeros (a spare) or past its end, and recovery reads an all-zero rest as a clean end.
///
/// Owned by the flusher thread; never shared.
struct SegmentAppender: ~Copyable {
    /// Aligned to `AppendFile.largestAlignment`, as direct I/O needs its buffers.
    private var staging: UnsafeMutableRawPointer
    private var capacity: Int
    /// The bytes of the segment just before the next write's offset, back to at least the file's alignment
    /// boundary, at the start of `staging`.
    private var tailCount = 0

    /// Batches above this leave the staging area this large again after their write.
    private static let retainedCapacity = 1 << 20

    init() {
        capacity = Self.retainedCapacity
        staging = Self.allocate(capacity)
    }

    deinit { free(staging) }

    /// Starts appending to a segment whose bytes end with `tail` (at least its last partial block).
    mutating func startSegment(tail: [UInt8]) {
        if tail.count > capacity { reallocate(to: tail.count) }
        tail.withUnsafeBytes { raw in
            if let base = raw.baseAddress { staging.copyMemory(from: base, byteCount: raw.count) }
        }
        tailCount = tail.count
    }

    /// Writes `bytes` at `offset` of `file`, whole blocks at a time where the file needs them.
    mutating func write(_ bytes: [UInt8], to file: AppendFile, at offset: Int, path: String,
                        files: any JournalFileSystem) throws(JournalError) {
        let alignment = file.alignment
        guard alignment > 1 else {
            try bytes.withBytes { (raw) throws(JournalError) in try files.writeAll(file.fd, raw, at: offset, path: path) }
            return
        }
        let kept = offset % alignment
        precondition(kept <= tailCount, "the appender lost the segment's last partial block")
        let used = kept + bytes.count
        let length = Self.roundUp(used, to: alignment)
        if kept < tailCount { memmove(staging, staging + (tailCount - kept), kept) }
        tailCount = kept
        if length > capacity { reallocate(to: length) }
        bytes.withUnsafeBytes { raw in
            if let base = raw.baseAddress { (staging + kept).copyMemory(from: base, byteCount: raw.count) }
        }
        (staging + used).initializeMemory(as: UInt8.self, repeating: 0, count: length - used)
        try files.writeAll(file.fd, UnsafeRawBufferPointer(start: staging, count: length), at: offset - kept, path: path)
        let partial = used % alignment
        memmove(staging, staging + (used - partial), partial)
        tailCount = partial
        if capacity > Self.retainedCapacity { reallocate(to: Self.retainedCapacity) }
    }

    /// Moves to a staging area of at least `bytes`, keeping the tail.
    private mutating func reallocate(to bytes: Int) {
        let size = Self.roundUp(bytes, to: AppendFile.largestAlignment)
        let fresh = Self.allocate(size)
        fresh.copyMemory(from: staging, byteCount: tailCount)
        free(staging)
        staging = fresh
        capacity = size
    }

    /// The smallest multiple of `alignment` that is at least `count`.
    private static func roundUp(_ count: Int, to alignment: Int) -> Int {
        (count + alignment - 1) / alignment * alignment
    }

    private static func allocate(_ bytes: Int) -> UnsafeMutableRawPointer {
        var pointer: UnsafeMutableRawPointer?
        guard posix_memalign(&pointer, AppendFile.largestAlignment, bytes) == 0, let pointer else {
            fatalError("out of memory for a \(bytes)-byte journal write")
        }
        return pointer
    }
}
