/// HMAC-SHA256 (RFC 2104), incremental.
public struct HMACSHA256: Sendable {
    private var inner: SHA256
    private var outer: SHA256

    /// Starts a MAC under `key`; keys longer than a block are hashed first, as RFC 2104 requires.
    public init<Key: Sequence>(key: Key) where Key.Element == UInt8 {
        var block = Array(key)
        if block.count > SHA256.blockByteCount { block = SHA256.hash(block) }
        block.append(contentsOf: repeatElement(0, count: SHA256.blockByteCount - block.count))
        inner = SHA256()
        inner.update(block.map { $0 ^ 0x36 })
        outer = SHA256()
        outer.update(block.map { $0 ^ 0x5c })
    }

    /// Computes the MAC of `message` under `key` in one call.
    public static func authenticationCode<Key: Sequence, Message: Sequence>(
        for message: Message, key: Key
    ) -> [UInt8] where Key.Element == UInt8, Message.Element == UInt8 {
        var mac = HMACSHA256(key: key)
        mac.update(message)
        return mac.finalize()
    }

    /// Feeds more of the message.
    public mutating func update<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        inner.update(bytes)
    }

    /// Returns the 32-byte MAC.
    public func finalize() -> [UInt8] {
        var outerCopy = outer
        outerCopy.update(inner.finalize())
        return outerCopy.finalize()
    }
}
