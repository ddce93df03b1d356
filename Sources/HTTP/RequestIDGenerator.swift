import Synchronization

/// Request ids: a random per-process prefix and a counter (`9f2c41d0-1a2b`), unique within a run and
/// unlikely to repeat across restarts. A client's own `X-Request-Id` is kept when it is short and plain.
final class RequestIDGenerator: Sendable {
    private let prefix: String
    private let counter = Atomic<UInt64>(0)

    init() {
        let hex = String(UInt32.random(in: .min ... .max), radix: 16)
        prefix = String(repeating: "0", count: 8 - hex.count) + hex
    }

    func id(offered: String?) -> String {
        if let offered, Self.isAcceptable(offered) { return offered }
        let next = counter.wrappingAdd(1, ordering: .relaxed).newValue
        let digits = max(1, (64 - next.leadingZeroBitCount + 3) / 4)
        let prefixBytes = prefix.utf8
        return String(unsafeUninitializedCapacity: prefixBytes.count + 1 + digits) { buffer in
            var index = 0
            for byte in prefixBytes {
                buffer[index] = byte
                index += 1
            }
            buffer[index] = UInt8(ascii: "-")
            for digit in 0..<digits {
                let nibble = Int(next >> (4 * UInt64(digits - 1 - digit)) & 0xF)
                buffer[index + 1 + digit] = Self.hexDigits[nibble]
            }
            return index + 1 + digits
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// 1–64 characters of letters, digits, `-`, `_`, `.`: safe to echo into headers and logs.
    static func isAcceptable(_ id: String) -> Bool {
        let utf8 = id.utf8
        return (1...64).contains(utf8.count) && utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2D || c == 0x5F || c == 0x2E
        }
    }
}
