/// FNV-1a over a string's UTF-8 bytes: the same in every process and on every instance, unlike `hashValue`
/// (which Swift seeds per process). For choosing a shard or a side of a split from an identifier.
enum StableHash {
    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        return hash
    }
}
