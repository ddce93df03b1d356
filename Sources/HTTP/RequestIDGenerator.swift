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
        return prefix + "-" + String(next, radix: 16)
    }

    /// 1–64 characters of letters, digits, `-`, `_`, `.`: safe to echo into headers and logs.
    static func isAcceptable(_ id: String) -> Bool {
        let utf8 = id.utf8
        return (1...64).contains(utf8.count) && utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2D || c == 0x5F || c == 0x2E
        }
    }
}
