/// Why a key derivation was refused.
public enum PBKDF2Error: Error, Equatable, CustomStringConvertible {
    case iterationCountMustBePositive
    case keyLengthOutOfRange(Int)

    public var description: String {
        switch self {
        case .iterationCountMustBePositive: "PBKDF2 needs at least one iteration"
        case .keyLengthOutOfRange(let n): "PBKDF2 key length \(n) is out of range (1...\(PBKDF2.maximumKeyByteCount) bytes)"
        }
    }
}

/// PBKDF2 with HMAC-SHA256 as the pseudo-random function (RFC 8018 §5.2).
public enum PBKDF2 {
    /// The longest key this implementation derives; far beyond any use and small enough to bound work.
    public static let maximumKeyByteCount = 1 << 20

    /// Derives `keyByteCount` bytes from `password` and `salt` with `iterations` rounds.
    public static func deriveKey<Password: Sequence, Salt: Sequence>(
        password: Password, salt: Salt, iterations: Int, keyByteCount: Int
    ) throws(PBKDF2Error) -> [UInt8] where Password.Element == UInt8, Salt.Element == UInt8 {
        guard iterations > 0 else { throw .iterationCountMustBePositive }
        guard keyByteCount > 0, keyByteCount <= maximumKeyByteCount else { throw .keyLengthOutOfRange(keyByteCount) }
        // Keying HMAC once and copying its state saves two compressions per iteration.
        let keyed = HMACSHA256(key: password)
        let saltBytes = Array(salt)
        var derived = [UInt8]()
        derived.reserveCapacity(keyByteCount)
        var blockIndex: UInt32 = 1
        while derived.count < keyByteCount {
            var mac = keyed
            mac.update(saltBytes)
            mac.update([UInt8(blockIndex >> 24), UInt8(truncatingIfNeeded: blockIndex >> 16),
                        UInt8(truncatingIfNeeded: blockIndex >> 8), UInt8(truncatingIfNeeded: blockIndex)])
            var u = mac.finalize()
            var block = u
            if iterations > 1 {
                for _ in 1..<iterations {
                    var next = keyed
                    next.update(u)
                    u = next.finalize()
                    for i in 0..<block.count { block[i] ^= u[i] }
                }
            }
            derived.append(contentsOf: block.prefix(keyByteCount - derived.count))
            blockIndex += 1
        }
        return derived
    }
}
