import Hashing

/// The on-disk shape of segments and records.
///
/// A segment starts with a 16-byte header: magic `SDJ1`, format version (u32 LE), the LSN of its first
/// record (u64 LE). Records follow back to back, each a 16-byte header — payload length (u32 LE),
/// CRC-32C (u32 LE) over the length, LSN and payload, LSN (u64 LE) — and the payload.
/// The CRC covers the length so a torn length cannot make garbage look like a record.
///
/// The length's top bit marks a *hole*: a record `shopdeck repair` could not read back and replaced, so that
/// the records after it keep their LSNs. A hole's payload says what was lost; recovery counts it and hands
/// nothing to the owner. (Real payloads are at most 16 MB, so the bit was never set before holes existed.)
enum RecordFormat {
    static let segmentMagic: [UInt8] = Array("SDJ1".utf8)
    static let version: UInt32 = 1
    static let segmentHeaderSize = 16
    static let recordHeaderSize = 16

    static func segmentHeader(firstLSN: UInt64) -> [UInt8] {
        var bytes = segmentMagic
        bytes.appendLittleEndian(version)
        bytes.appendLittleEndian(firstLSN)
        return bytes
    }

    /// The first LSN a segment header declares, or nil when the header is missing or not ours.
    static func firstLSN(ofSegmentHeader bytes: UnsafeRawBufferPointer) -> UInt64? {
        guard bytes.count >= segmentHeaderSize,
              bytes[0] == segmentMagic[0], bytes[1] == segmentMagic[1], bytes[2] == segmentMagic[2], bytes[3] == segmentMagic[3],
              bytes.loadUnaligned(fromByteOffset: 4, as: UInt32.self).littleEndian == version
        else { return nil }
        return bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self).littleEndian
    }

    static let holeFlag: UInt32 = 1 << 31

    /// Appends one framed record to `buffer` (a hole when `hole`).
    static func appendRecord(lsn: UInt64, payload: UnsafeRawBufferPointer, hole: Bool = false, to buffer: inout [UInt8]) {
        let length = UInt32(payload.count) | (hole ? holeFlag : 0)
        var header = (length.littleEndian, UInt32(0), lsn.littleEndian)
        var crc: UInt32 = 0
        withUnsafeBytes(of: &header.0) { crc = CRC32C.checksum($0) }
        withUnsafeBytes(of: &header.2) { crc = CRC32C.checksum($0, continuing: crc) }
        crc = CRC32C.checksum(payload, continuing: crc)
        header.1 = crc.littleEndian
        withUnsafeBytes(of: &header) { buffer.append(contentsOf: $0) }
        buffer.append(contentsOf: payload)
    }

    /// Why a record could not be read back.
    enum Damage: Error, Equatable {
        case truncatedHeader
        case truncatedPayload
        case lengthOutOfRange(UInt32)
        case checksumMismatch
        case unexpectedLSN(expected: UInt64, found: UInt64)

        var reason: String {
            switch self {
            case .truncatedHeader: "record header cut short"
            case .truncatedPayload: "record payload cut short"
            case .lengthOutOfRange(let n): "record length \(n) out of range"
            case .checksumMismatch: "checksum mismatch"
            case let .unexpectedLSN(expected, found): "record \(found) where \(expected) was expected"
            }
        }
    }

    /// Result of scanning a segment body.
    struct ScanResult {
        /// Offset just past the last good record.
        var goodEnd: Int
        /// LSN of the last good record (or `firstLSN - 1` when there is none).
        var lastLSN: UInt64
        /// Set when scanning stopped before the end of the bytes.
        var damage: Damage?
    }

    /// Walks the records of a segment from `offset`, calling `visit` for each good one in order (with
    /// whether it is a hole).
    static func scan(
        _ bytes: UnsafeRawBufferPointer, from offset: Int, firstLSN: UInt64, maximumPayload: Int,
        visit: (UInt64, UnsafeRawBufferPointer, Bool) throws -> Void
    ) rethrows -> ScanResult {
        var position = offset
        var expected = firstLSN
        while position < bytes.count {
            // Preallocated segments are zero-filled past the last record: an all-zero rest is a clean end.
            if bytes[position] == 0, isZero(bytes, from: position) {
                return ScanResult(goodEnd: position, lastLSN: expected - 1, damage: nil)
            }
            switch read(bytes, at: position, maximumPayload: maximumPayload) {
            case .failure(let damage):
                return ScanResult(goodEnd: position, lastLSN: expected - 1, damage: damage)
            case .success(let record):
                guard record.lsn == expected else {
                    return ScanResult(goodEnd: position, lastLSN: expected - 1, damage: .unexpectedLSN(expected: expected, found: record.lsn))
                }
                try visit(record.lsn, UnsafeRawBufferPointer(rebasing: bytes[record.payload]), record.hole)
                position = record.payload.upperBound
                expected += 1
            }
        }
        return ScanResult(goodEnd: position, lastLSN: expected - 1, damage: nil)
    }

    /// A record that reads back whole: its LSN, where its payload lies, and whether it is a hole.
    struct ReadRecord {
        var lsn: UInt64
        var payload: Range<Int>
        var hole: Bool
        var end: Int { payload.upperBound }
    }

    /// The record at `position`, if its header and checksum hold.
    static func read(_ bytes: UnsafeRawBufferPointer, at position: Int, maximumPayload: Int) -> Result<ReadRecord, Damage> {
        guard bytes.count - position >= recordHeaderSize else { return .failure(.truncatedHeader) }
        let rawLength = bytes.loadUnaligned(fromByteOffset: position, as: UInt32.self).littleEndian
        let storedCRC = bytes.loadUnaligned(fromByteOffset: position + 4, as: UInt32.self).littleEndian
        let lsn = bytes.loadUnaligned(fromByteOffset: position + 8, as: UInt64.self).littleEndian
        let length = rawLength & ~holeFlag
        guard length > 0, Int(length) <= maximumPayload else { return .failure(.lengthOutOfRange(rawLength)) }
        let payloadStart = position + recordHeaderSize
        guard bytes.count - payloadStart >= Int(length) else { return .failure(.truncatedPayload) }
        var crc = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[position..<position + 4]))
        crc = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[position + 8..<position + 16]), continuing: crc)
        crc = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[payloadStart..<payloadStart + Int(length)]), continuing: crc)
        guard crc == storedCRC else { return .failure(.checksumMismatch) }
        return .success(ReadRecord(lsn: lsn, payload: payloadStart..<payloadStart + Int(length), hole: rawLength & holeFlag != 0))
    }

    /// The first record after `offset` that reads back whole and could belong to this log (its LSN is at
    /// least `minimumLSN`, and no further past it than the bytes left could hold): what tells damage from a
    /// torn tail. A tail torn by a crash has nothing valid after it; a damaged record with acknowledged
    /// records behind it does. Candidates are screened by length and LSN before the checksum is computed,
    /// so the search costs one pass over the rest of the segment.
    static func nextValidRecord(_ bytes: UnsafeRawBufferPointer, after offset: Int, minimumLSN: UInt64, maximumPayload: Int) -> ReadRecord? {
        var position = offset + 1
        let maximumLSN = minimumLSN &+ UInt64(bytes.count / recordHeaderSize + 1)
        while position + recordHeaderSize <= bytes.count {
            let rawLength = bytes.loadUnaligned(fromByteOffset: position, as: UInt32.self).littleEndian & ~holeFlag
            let lsn = bytes.loadUnaligned(fromByteOffset: position + 8, as: UInt64.self).littleEndian
            if rawLength > 0, Int(rawLength) <= maximumPayload, Int(rawLength) <= bytes.count - position - recordHeaderSize,
               lsn >= minimumLSN, lsn <= maximumLSN, case .success(let record) = read(bytes, at: position, maximumPayload: maximumPayload) {
                return record
            }
            position += 1
        }
        return nil
    }
}

/// True when every byte of `bytes` from `offset` on is zero.
func isZero(_ bytes: UnsafeRawBufferPointer, from offset: Int) -> Bool {
    var position = offset
    while position < bytes.count, position % 8 != 0 {
        if bytes[position] != 0 { return false }
        position += 1
    }
    while bytes.count - position >= 8 {
        if bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self) != 0 { return false }
        position += 8
    }
    while position < bytes.count {
        if bytes[position] != 0 { return false }
        position += 1
    }
    return true
}

extension Array where Element == UInt8 {
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}
