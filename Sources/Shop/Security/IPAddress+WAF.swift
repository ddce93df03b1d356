import Addressing

extension IPAddress {
    /// The address as the WAF's IP set compares it: 4 bytes for IPv4, 16 for IPv6, network order.
    public var addressBytes: [UInt8] {
        switch self {
        case .v4(let value): [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
        case .v6: ipv6Bytes
        }
    }

    /// The address from the WAF's form of it (4 bytes, or 16).
    public init(addressBytes bytes: [UInt8]) {
        self = bytes.count == 4 ? .v4(bytes.reduce(0) { $0 << 8 | UInt32($1) }) : IPAddress(ipv6Bytes: bytes)
    }
}
