/// Bytes as a dictionary or set key, hashed in one call over the whole buffer: `[UInt8]`'s own hashing
/// feeds the hasher a byte at a time, which on the per-request path (cookies in the clean-value cache,
/// addresses in the rate rules) cost more than the lookups themselves.
struct ByteKey: Hashable, Sendable {
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    static func == (lhs: ByteKey, rhs: ByteKey) -> Bool { lhs.bytes == rhs.bytes }
}

/// ASCII comparisons of header names without building lowercased copies.
enum ASCIINames {
    /// Whether `name` equals `lowercase` (all lowercase ASCII) ignoring ASCII case.
    static func equals(_ name: String, _ lowercase: StaticString) -> Bool {
        let utf8 = name.utf8
        guard utf8.count == lowercase.utf8CodeUnitCount else { return false }
        return startsWith(utf8, lowercase)
    }

    /// Whether `name` starts with `lowercase` ignoring ASCII case.
    static func hasPrefix(_ name: String, _ lowercase: StaticString) -> Bool {
        let utf8 = name.utf8
        guard utf8.count >= lowercase.utf8CodeUnitCount else { return false }
        return startsWith(utf8, lowercase)
    }

    /// Whether `text` holds `lowercase` anywhere, ignoring ASCII case. Foundation's `String.contains(String)`
    /// goes through `NSString` on Linux: 0.7 % of the order path's CPU in a profile (2026-12-07), spent on
    /// the content type of every request with a body.
    static func contains(_ text: String, _ lowercase: StaticString) -> Bool {
        var text = text
        return text.withUTF8 { haystack in
            lowercase.withUTF8Buffer { needle in
                guard needle.count <= haystack.count else { return false }
                return (0...(haystack.count - needle.count)).contains { start in
                    needle.indices.allSatisfy { lower(haystack[start + $0]) == needle[$0] }
                }
            }
        }
    }

    /// Whether `utf8` begins with `lowercase` ignoring ASCII case, compared on the string's own bytes (a
    /// generic zip over the view was 1 % of the gateway route's CPU, these being called per header).
    private static func startsWith(_ utf8: String.UTF8View, _ lowercase: StaticString) -> Bool {
        lowercase.withUTF8Buffer { expected in
            let compared = utf8.withContiguousStorageIfAvailable { bytes in
                for index in expected.indices where lower(bytes[index]) != expected[index] { return false }
                return true
            }
            return compared ?? zip(utf8, expected).allSatisfy { lower($0) == $1 }
        }
    }

    @inline(__always)
    static func lower(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }
}
