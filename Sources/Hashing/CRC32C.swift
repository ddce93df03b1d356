import CRC32CHardware

/// CRC-32C (Castagnoli, as in iSCSI, RFC 3720 §B.4): the processor's `crc32` instruction where it has one,
/// else table-driven, eight bytes per step.
///
/// The tables took 3.2 % of the CPU of `bench store`'s 64-writer puts (a journal record's header and
/// payload are checksummed as it is appended, and again at recovery).
public enum CRC32C {
    /// Whether this processor computes the checksum in hardware.
    static let hardware = shopdeck_crc32c_hardware_available() != 0

    /// CRC-32C of `buffer`, continuing from `crc` (pass the previous result to checksum in pieces).
    public static func checksum(_ buffer: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        guard let base = buffer.baseAddress else { return crc }
        if hardware { return ~shopdeck_crc32c_hardware_update(~crc, base, buffer.count) }
        return tableChecksum(buffer, continuing: crc)
    }

    /// The table-driven checksum, for processors without the instruction (and to check the instruction against).
    static func tableChecksum(_ buffer: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        var state = ~crc
        guard let base = buffer.baseAddress else { return crc }
        let count = buffer.count
        var offset = 0
        let tables = crc32cTables
        tables.withUnsafeBufferPointer { t in
            while count - offset >= 8 {
                let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) ^ UInt64(state)
                state = t[7 * 256 + Int(word & 0xff)]
                    ^ t[6 * 256 + Int((word >> 8) & 0xff)]
                    ^ t[5 * 256 + Int((word >> 16) & 0xff)]
                    ^ t[4 * 256 + Int((word >> 24) & 0xff)]
                    ^ t[3 * 256 + Int((word >> 32) & 0xff)]
                    ^ t[2 * 256 + Int((word >> 40) & 0xff)]
                    ^ t[1 * 256 + Int((word >> 48) & 0xff)]
                    ^ t[Int(word >> 56)]
                offset += 8
            }
            while offset < count {
                let byte = base.load(fromByteOffset: offset, as: UInt8.self)
                state = t[Int((state ^ UInt32(byte)) & 0xff)] ^ (state >> 8)
                offset += 1
            }
        }
        return ~state
    }

    /// CRC-32C of a byte sequence.
    public static func checksum<Bytes: Sequence>(_ bytes: Bytes, continuing crc: UInt32 = 0) -> UInt32 where Bytes.Element == UInt8 {
        if let result = bytes.withContiguousStorageIfAvailable({ checksum(UnsafeRawBufferPointer($0), continuing: crc) }) {
            return result
        }
        return Array(bytes).withUnsafeBytes { checksum($0, continuing: crc) }
    }
}

/// Eight 256-entry tables for slicing-by-8 over the reflected polynomial 0x82F63B78.
private let crc32cTables: [UInt32] = {
    var tables = [UInt32](repeating: 0, count: 8 * 256)
    for i in 0..<256 {
        var crc = UInt32(i)
        for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        tables[i] = crc
    }
    for i in 0..<256 {
        for slice in 1..<8 {
            let previous = tables[(slice - 1) * 256 + i]
            tables[slice * 256 + i] = tables[Int(previous & 0xff)] ^ (previous >> 8)
        }
    }
    return tables
}()
