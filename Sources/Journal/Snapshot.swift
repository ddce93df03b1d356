#if canImport(Glibc)
import Glibc
#endif
import Hashing

/// Streams a snapshot body to disk; handed to the owner's closure by `Journal.writeSnapshot`.
///
/// Layout: magic `SDS1`, version (u32 LE), LSN (u64 LE), body, then a trailer of body length (u64 LE),
/// CRC-32C of the body (u32 LE) and magic `SDSE`. The file is written under a temporary name, synced,
/// and renamed into place, so a snapshot is either whole or absent.
public struct SnapshotWriter: ~Copyable {
    private let files: any JournalFileSystem
    private let fd: Int32
    private let path: String
    private var buffer: [UInt8] = []
    private var offset = 0
    private var crc: UInt32 = 0
    private var bodyLength: UInt64 = 0
    private static let flushThreshold = 1 << 20

    init(files: any JournalFileSystem, fd: Int32, path: String, lsn: UInt64) {
        self.files = files
        self.fd = fd
        self.path = path
        buffer.reserveCapacity(Self.flushThreshold + 4096)
        buffer.append(contentsOf: SnapshotFormat.magic)
        buffer.appendLittleEndian(SnapshotFormat.version)
        buffer.appendLittleEndian(lsn)
    }

    /// Appends body bytes.
    public mutating func write(_ bytes: UnsafeRawBufferPointer) throws(JournalError) {
        crc = CRC32C.checksum(bytes, continuing: crc)
        bodyLength += UInt64(bytes.count)
        buffer.append(contentsOf: bytes)
        if buffer.count >= Self.flushThreshold { try flush() }
    }

    /// Appends body bytes.
    public mutating func write(_ bytes: [UInt8]) throws(JournalError) {
        try bytes.withBytes { (raw) throws(JournalError) in try write(raw) }
    }

    mutating func finish() throws(JournalError) {
        buffer.appendLittleEndian(bodyLength)
        buffer.appendLittleEndian(crc)
        buffer.append(contentsOf: SnapshotFormat.endMagic)
        try flush()
        try files.syncFile(fd, path: path)
    }

    private mutating func flush() throws(JournalError) {
        let pending = buffer
        try pending.withBytes { (raw) throws(JournalError) in try files.writeAll(fd, raw, at: offset, path: path) }
        offset += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }
}

enum SnapshotFormat {
    static let magic: [UInt8] = Array("SDS1".utf8)
    static let endMagic: [UInt8] = Array("SDSE".utf8)
    static let version: UInt32 = 1
    static let headerSize = 16
    static let trailerSize = 16

    static func fileName(lsn: UInt64) -> String { "snapshot-\(JournalFiles.paddedLSN(lsn)).snap" }

    /// Checks a snapshot file's framing and returns its LSN and the range of its body.
    static func validate(_ bytes: UnsafeRawBufferPointer, path: String) throws(JournalError) -> (lsn: UInt64, body: Range<Int>) {
        guard bytes.count >= headerSize + trailerSize else { throw .snapshotCorrupt(path: path, reason: "file too short") }
        guard Array(bytes[0..<4]) == magic, bytes.loadUnaligned(fromByteOffset: 4, as: UInt32.self).littleEndian == version else {
            throw .snapshotCorrupt(path: path, reason: "not a shopdeck snapshot of a known version")
        }
        let lsn = bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self).littleEndian
        let trailer = bytes.count - trailerSize
        guard Array(bytes[(trailer + 12)..<(trailer + 16)]) == endMagic else {
            throw .snapshotCorrupt(path: path, reason: "trailer missing")
        }
        let length = bytes.loadUnaligned(fromByteOffset: trailer, as: UInt64.self).littleEndian
        guard length == UInt64(trailer - headerSize) else { throw .snapshotCorrupt(path: path, reason: "length mismatch") }
        let body = headerSize..<trailer
        let crc = bytes.loadUnaligned(fromByteOffset: trailer + 8, as: UInt32.self).littleEndian
        guard CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[body])) == crc else {
            throw .snapshotCorrupt(path: path, reason: "checksum mismatch")
        }
        return (lsn, body)
    }
}

/// File naming inside a journal directory.
enum JournalFiles {
    static func paddedLSN(_ lsn: UInt64) -> String {
        let digits = String(lsn)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits
    }

    static func segmentName(firstLSN: UInt64) -> String { "segment-\(paddedLSN(firstLSN)).log" }

    /// The first LSN encoded in a segment file name.
    static func segmentFirstLSN(_ name: String) -> UInt64? {
        guard name.hasPrefix("segment-"), name.hasSuffix(".log") else { return nil }
        return UInt64(name.dropFirst(8).dropLast(4))
    }

    /// The LSN encoded in a snapshot file name.
    static func snapshotLSN(_ name: String) -> UInt64? {
        guard name.hasPrefix("snapshot-"), name.hasSuffix(".snap") else { return nil }
        return UInt64(name.dropFirst(9).dropLast(5))
    }
}
