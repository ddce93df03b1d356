#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why secure random bytes could not be produced.
public struct SecureRandomError: Error, CustomStringConvertible {
    public let errno: Int32
    public var description: String { "the kernel's random source failed (errno \(errno))" }
}

/// Cryptographically secure random bytes from the kernel: getentropy(3), which is getrandom(2) on Linux.
public enum SecureRandom {
    /// Returns `count` random bytes.
    public static func bytes(count: Int) throws(SecureRandomError) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            // getentropy hands out at most 256 bytes a call.
            let chunk = min(256, count - filled)
            let status = result.withUnsafeMutableBytes { raw in getentropy(raw.baseAddress! + filled, chunk) }
            if status != 0 {
                if errno == EINTR { continue }
                throw SecureRandomError(errno: errno)
            }
            filled += chunk
        }
        return result
    }

    /// A random token as lowercase hex with `byteCount` bytes of entropy.
    public static func hexToken(byteCount: Int = 16) throws(SecureRandomError) -> String {
        Hex.encode(try bytes(count: byteCount))
    }
}
