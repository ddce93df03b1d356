import Synchronization

/// Random (version 4) UUIDs as lowercase text, for identifiers made on every request: the broker's message
/// and subscription ids.
///
/// Foundation's `UUID()` on Linux opens, reads and closes `/dev/urandom` for each one. Profiling the order
/// path (`perf`, wrk posting orders, 2026-12-07) found those three system calls at 2.6 % of the process's
/// samples, made inside the broker's journal lock for every message a topic fans out. This draws the same
/// kernel randomness (`SecureRandom`) 4 KiB at a time — 256 identifiers a refill — and formats the text
/// directly.
public enum RandomUUID {
    private static let bufferSize = 4096
    private static let pool = Mutex(Pool())

    private struct Pool: ~Copyable {
        var bytes: [UInt8] = []
        var offset = 0
    }

    /// A new random UUID such as `3f2b9c1e-8d4a-4b6f-9e0c-5a7d1b2c3e4f`.
    public static func next() -> String {
        var random: (UInt64, UInt64) = pool.withLock { pool in
            if pool.offset + 16 > pool.bytes.count {
                // getentropy does not fail on Linux 3.17 and later; were it to, the standard library's generator
                // asks the kernel by another call (and traps rather than hand out weak bytes).
                pool.bytes = (try? SecureRandom.bytes(count: bufferSize)) ?? fallbackBytes(count: bufferSize)
                pool.offset = 0
            }
            defer { pool.offset += 16 }
            return pool.bytes.withUnsafeBytes { raw in
                (raw.loadUnaligned(fromByteOffset: pool.offset, as: UInt64.self), raw.loadUnaligned(fromByteOffset: pool.offset + 8, as: UInt64.self))
            }
        }
        return format(&random)
    }

    /// `random`'s 16 bytes as the text of a version 4 UUID (RFC 4122 variant).
    static func format(_ random: inout (UInt64, UInt64)) -> String {
        withUnsafeMutableBytes(of: &random) { bytes in
            bytes[6] = (bytes[6] & 0x0F) | 0x40  // version 4
            bytes[8] = (bytes[8] & 0x3F) | 0x80  // variant 10
            return String(unsafeUninitializedCapacity: 36) { text in
                var written = 0
                for index in 0..<16 {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        text[written] = UInt8(ascii: "-")
                        written += 1
                    }
                    text[written] = Hex.digits[Int(bytes[index] >> 4)]
                    text[written + 1] = Hex.digits[Int(bytes[index] & 0x0F)]
                    written += 2
                }
                return written
            }
        }
    }

    private static func fallbackBytes(count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }
}
