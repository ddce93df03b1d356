/// How a journal is laid out and what recovery may do.
public struct JournalOptions: Sendable {
    /// A segment is closed and a new one started once it grows past this many bytes.
    public var segmentByteLimit: Int = 64 << 20
    /// The largest payload a record may carry.
    public var maximumRecordByteCount: Int = 16 << 20
    /// Where the files are: the real file system, or a simulation for crash tests.
    public var fileSystem: any JournalFileSystem = PosixFileSystem()
    /// Write into zero-filled segments prepared in the background. Overwriting blocks that already exist
    /// lets fdatasync skip the file-size update that appending needs, which on this machine's ext4 made
    /// each sync markedly cheaper (see README). Spares start at 1 MB and double up to `segmentByteLimit`,
    /// so a small journal never pays for a large one.
    public var preallocateSegments = true

    public init(segmentByteLimit: Int = 64 << 20, maximumRecordByteCount: Int = 16 << 20, preallocateSegments: Bool = true,
                fileSystem: any JournalFileSystem = PosixFileSystem()) {
        self.segmentByteLimit = segmentByteLimit
        self.maximumRecordByteCount = maximumRecordByteCount
        self.preallocateSegments = preallocateSegments
        self.fileSystem = fileSystem
    }
}

/// What recovery found and did.
public struct RecoveryReport: Sendable, Equatable {
    /// Bytes cut off the end of the log because they did not form whole, valid records.
    public struct DroppedTail: Sendable, Equatable {
        /// Segment file that was cut.
        public var segment: String
        /// Offset of the first byte dropped.
        public var offset: Int
        /// Bytes dropped from this segment (later segments dropped entirely are counted in `droppedSegments`).
        public var byteCount: Int
        /// Why the first dropped record was rejected.
        public var reason: String
    }

    /// LSN of the snapshot recovery started from, if any.
    public var snapshotLSN: UInt64?
    /// Records replayed after the snapshot.
    public var recordsReplayed = 0
    /// Bytes of segment data read.
    public var bytesRead = 0
    /// The last LSN recovered; the next record gets this plus one.
    public var lastLSN: UInt64 = 0
    /// Set when a torn or damaged tail was cut off.
    public var droppedTail: DroppedTail?
    /// Records a repair could not read back and replaced with holes (counted, never replayed).
    public var holes = 0

    public init() {}

    /// One line for logs and the console.
    public var summary: String {
        var text = "recovered to record \(lastLSN)"
        if let snapshotLSN { text += " (snapshot at \(snapshotLSN), \(recordsReplayed) records replayed)" } else { text += " (\(recordsReplayed) records replayed)" }
        if let dropped = droppedTail {
            text += "; dropped \(dropped.byteCount) bytes at \(dropped.segment):\(dropped.offset) (\(dropped.reason))"
        }
        if holes > 0 { text += "; \(holes) record(s) lost in an earlier repair" }
        return text
    }
}

/// Counters describing a journal's work so far.
public struct JournalStats: Sendable, Equatable {
    public var lastLSN: UInt64 = 0
    public var durableLSN: UInt64 = 0
    public var segmentCount = 0
    public var fsyncCount = 0
    public var recordsWritten = 0
    public var bytesWritten = 0
    public var bytesSinceSnapshot = 0
    public var largestBatch = 0
    /// Time spent in write + fdatasync, in total.
    public var syncNanoseconds: UInt64 = 0
    public var snapshotLSN: UInt64? = nil

    /// Mean time of one write + fdatasync, in microseconds.
    public var averageSyncMicroseconds: Double { fsyncCount == 0 ? 0 : Double(syncNanoseconds) / Double(fsyncCount) / 1000 }

    /// Records per fsync on average.
    public var averageBatch: Double { fsyncCount == 0 ? 0 : Double(recordsWritten) / Double(fsyncCount) }
}
