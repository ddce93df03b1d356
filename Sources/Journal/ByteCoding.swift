/// Appends primitive values to a byte buffer: LEB128 varints, zigzag for signed values, length-prefixed bytes.
/// Shared by the components that encode their journal records and snapshots.
package struct ByteWriter {
    package var bytes: [UInt8] = []

    package init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    package mutating func byte(_ value: UInt8) { bytes.append(value) }

    package mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    package mutating func varint(_ value: Int) { varint(UInt64(value)) }

    package mutating func signed(_ value: Int64) {
        varint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    package mutating func string(_ value: String) {
        var copy = value
        copy.withUTF8 { utf8 in
            varint(utf8.count)
            bytes.append(contentsOf: utf8)
        }
    }

    package mutating func data(_ value: [UInt8]) {
        varint(value.count)
        bytes.append(contentsOf: value)
    }

    package mutating func fixed64(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// A presence byte, then the string if present.
    package mutating func optionalString(_ value: String?) {
        byte(value == nil ? 0 : 1)
        if let value { string(value) }
    }

    /// A presence byte, then the set's strings in sorted order if present.
    package mutating func optionalStringSet(_ value: Set<String>?) {
        byte(value == nil ? 0 : 1)
        guard let value else { return }
        varint(value.count)
        for element in value.sorted() { string(element) }
    }
}

/// Why stored bytes could not be decoded (only possible if the format changed or a bug wrote them).
package struct DecodingError: Error, CustomStringConvertible {
    package var message: String
    package init(message: String) { self.message = message }
    package var description: String { "undecodable record: \(message)" }
}

/// Reads what `ByteWriter` wrote, never past the end of its buffer.
package struct ByteReader {
    package let buffer: UnsafeRawBufferPointer
    package var position = 0

    package init(_ buffer: UnsafeRawBufferPointer) { self.buffer = buffer }

    package var isAtEnd: Bool { position >= buffer.count }

    package mutating func byte() throws(DecodingError) -> UInt8 {
        guard position < buffer.count else { throw DecodingError(message: "unexpected end at \(position)") }
        defer { position += 1 }
        return buffer[position]
    }

    package mutating func varint() throws(DecodingError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            result |= UInt64(b & 0x7f) << shift
            if b < 0x80 { return result }
            shift += 7
            guard shift < 64 else { throw DecodingError(message: "varint too long at \(position)") }
        }
    }

    package mutating func count() throws(DecodingError) -> Int {
        let value = try varint()
        // Every element, byte or character takes at least one byte, so a count beyond what is left is damage.
        guard value <= UInt64(buffer.count - position) else { throw DecodingError(message: "implausible count \(value) at \(position)") }
        return Int(value)
    }

    /// A non-negative integer that is a value, not a count of following items (so it may exceed the bytes left).
    package mutating func integer() throws(DecodingError) -> Int {
        let value = try varint()
        guard value <= UInt64(Int.max) else { throw DecodingError(message: "integer out of range at \(position)") }
        return Int(value)
    }

    package mutating func signed() throws(DecodingError) -> Int64 {
        let raw = try varint()
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    package mutating func rawBytes(_ count: Int) throws(DecodingError) -> UnsafeRawBufferPointer {
        guard count >= 0, buffer.count - position >= count else { throw DecodingError(message: "\(count) bytes wanted at \(position), buffer ends") }
        defer { position += count }
        return UnsafeRawBufferPointer(rebasing: buffer[position..<position + count])
    }

    package mutating func string() throws(DecodingError) -> String {
        let length = try count()
        return String(decoding: try rawBytes(length), as: UTF8.self)
    }

    package mutating func data() throws(DecodingError) -> [UInt8] {
        let length = try count()
        return Array(try rawBytes(length))
    }

    package mutating func fixed64() throws(DecodingError) -> UInt64 {
        let raw = try rawBytes(8)
        return raw.loadUnaligned(as: UInt64.self).littleEndian
    }

    package mutating func optionalString() throws(DecodingError) -> String? {
        try byte() == 1 ? try string() : nil
    }

    package mutating func optionalStringSet() throws(DecodingError) -> Set<String>? {
        guard try byte() == 1 else { return nil }
        let count = try count()
        var set = Set<String>()
        for _ in 0..<count { set.insert(try string()) }
        return set
    }
}
