/// A CIDR block (`10.0.0.0/8`, `2001:db8::/32`); a bare address is a /32 or /128.
public struct IPNetwork: Sendable, Hashable, CustomStringConvertible {
    /// The network address (host bits cleared).
    public let address: IPAddress
    public let prefixLength: Int

    /// Parses `ADDRESS/PREFIX` or a bare address; nil if malformed or the prefix does not fit the family.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2, let address = IPAddress(String(parts[0])) else { return nil }
        let length: Int
        if parts.count == 2 {
            guard (1...3).contains(parts[1].count), parts[1].allSatisfy({ $0 >= "0" && $0 <= "9" }),
                  let parsed = Int(parts[1]), (0...address.bitWidth).contains(parsed) else { return nil }
            length = parsed
        } else {
            length = address.bitWidth
        }
        self.init(address: address, prefixLength: length)
    }

    /// The network containing `address` with the given prefix length (host bits cleared).
    public init(address: IPAddress, prefixLength: Int) {
        precondition((0...address.bitWidth).contains(prefixLength))
        self.prefixLength = prefixLength
        switch address {
        case .v4(let value):
            self.address = .v4(prefixLength == 0 ? 0 : value & (UInt32.max << (32 - prefixLength)))
        case .v6(let high, let low):
            let highMask: UInt64 = prefixLength >= 64 ? .max : prefixLength == 0 ? 0 : .max << (64 - prefixLength)
            let lowMask: UInt64 = prefixLength <= 64 ? 0 : prefixLength == 128 ? .max : .max << (128 - prefixLength)
            self.address = .v6(high: high & highMask, low: low & lowMask)
        }
    }

    /// Whether `ip` lies in this network (an IPv4 address never lies in an IPv6 network, and the reverse).
    public func contains(_ ip: IPAddress) -> Bool {
        guard ip.isIPv4 == address.isIPv4 else { return false }
        return IPNetwork(address: ip, prefixLength: prefixLength).address == address
    }

    /// `a.b.c.d/n` (or just the address for a single host).
    public var description: String { "\(address)/\(prefixLength)" }
}
