#if canImport(Glibc)
import Glibc
#endif

/// What went wrong in the journal, with what an operator needs to act on it.
public enum JournalError: Error, Equatable, CustomStringConvertible, Sendable {
    /// A system call failed.
    case io(operation: String, path: String, errno: Int32)
    /// Another process (or another open in this process) holds the directory lock.
    case locked(path: String, holderPID: Int32?)
    /// The log's files do not fit together (a segment starting at the wrong record, a log that starts
    /// after its snapshot ends).
    case corrupt(path: String, offset: Int, reason: String)
    /// A record does not read back and records after it do: they were acknowledged, so recovery refuses to
    /// drop them (a torn tail, with nothing valid after it, is cut instead).
    case damaged(JournalDamage)
    /// The newest snapshot cannot be read back.
    case snapshotCorrupt(path: String, reason: String)
    /// A record is larger than the configured maximum.
    case recordTooLarge(byteCount: Int, limit: Int)
    /// The journal was closed.
    case closed
    /// An earlier write or fsync failed; the journal accepts nothing more until it is reopened,
    /// because after a failed fsync the kernel may have dropped the data it could not write.
    case failed(reason: String)
    /// The owner's replay callback rejected a record.
    case replayFailed(lsn: UInt64, reason: String)
    /// A snapshot was requested at a position that is not durable yet.
    case snapshotAheadOfLog(requested: UInt64, durable: UInt64)

    public var description: String {
        switch self {
        case let .io(operation, path, code):
            "\(operation) \(path) failed: \(String(cString: strerror(code))) (errno \(code))"
        case let .locked(path, pid):
            if let pid { "\(path) is locked by another shopdeck process (pid \(pid))" } else { "\(path) is locked by another process" }
        case let .corrupt(path, offset, reason):
            "journal file \(path) does not fit the log at byte \(offset): \(reason)"
        case .damaged(let damage):
            damage.description
        case let .snapshotCorrupt(path, reason):
            "snapshot \(path) cannot be read: \(reason)"
        case let .recordTooLarge(count, limit):
            "record of \(count) bytes exceeds the journal's limit of \(limit) bytes"
        case .closed:
            "the journal is closed"
        case let .failed(reason):
            "the journal stopped accepting writes after an I/O failure: \(reason)"
        case let .replayFailed(lsn, reason):
            "replaying record \(lsn) failed: \(reason)"
        case let .snapshotAheadOfLog(requested, durable):
            "snapshot at record \(requested) requested but only \(durable) records are durable"
        }
    }
}

/// Where a journal is damaged and what lies behind the damage.
public struct JournalDamage: Sendable, Equatable, CustomStringConvertible {
    /// The segment file holding the damage.
    public var path: String
    /// Its first byte that does not read back.
    public var offset: Int
    /// What is wrong there (checksum mismatch, length out of range…).
    public var reason: String
    /// The first record that cannot be read.
    public var firstUnreadableLSN: UInt64
    /// The first record after the damage that reads back whole, and where it is.
    public var nextReadableLSN: UInt64
    public var nextReadablePath: String
    public var nextReadableOffset: Int

    public var description: String {
        let behind = nextReadablePath == path ? "byte \(nextReadableOffset)" : "\(nextReadablePath)"
        return "journal segment \(path) is damaged at byte \(offset) (\(reason)): record \(firstUnreadableLSN) cannot be read, "
            + "but record \(nextReadableLSN) after it can (\(behind)), so acknowledged records lie behind the damage and the journal "
            + "will not drop them"
    }
}
