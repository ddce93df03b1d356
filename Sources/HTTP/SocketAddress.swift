import Glibc

/// An IP address and TCP port.
public struct SocketAddress: Sendable, Hashable, CustomStringConvertible {
    public var ip: IPAddress
    public var port: Int

    public init(ip: IPAddress, port: Int) {
        self.ip = ip
        self.port = port
    }

    /// Parses `HOST:PORT` with a numeric host (`[v6]:port` for IPv6); `localhost` means 127.0.0.1.
    public init?(parsing text: String) {
        let host: Substring, portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard let port = Int(portText), (0...65_535).contains(port) else { return nil }
        let address = host == "localhost" ? IPAddress.v4(0x7F00_0001) : IPAddress(String(host))
        guard let address else { return nil }
        self.init(ip: address, port: port)
    }

    /// `a.b.c.d:port` or `[v6]:port`.
    public var description: String {
        ip.isIPv4 ? "\(ip):\(port)" : "[\(ip)]:\(port)"
    }

    /// The address from a kernel socket address.
    init?(storage: sockaddr_storage) {
        var storage = storage
        switch Int32(storage.ss_family) {
        case AF_INET:
            let address = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee } }
            self.init(ip: .v4(UInt32(bigEndian: address.sin_addr.s_addr)), port: Int(UInt16(bigEndian: address.sin_port)))
        case AF_INET6:
            let address = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee } }
            let bytes = withUnsafeBytes(of: address.sin6_addr) { Array($0) }
            self.init(ip: IPAddress(ipv6Bytes: bytes), port: Int(UInt16(bigEndian: address.sin6_port)))
        default:
            return nil
        }
    }

    /// Calls `body` with this address in kernel form. An IPv4 address is given as `sockaddr_in` unless
    /// `asIPv6` asks for the mapped IPv6 form (for an IPv6 socket).
    func withKernelAddress<R>(asIPv6: Bool = false, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        if case .v4(let value) = ip, !asIPv6 {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = UInt16(port).bigEndian
            address.sin_addr.s_addr = value.bigEndian
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_port = UInt16(port).bigEndian
        let bytes = ip.ipv6Bytes
        withUnsafeMutableBytes(of: &address.sin6_addr) { raw in
            for index in 0..<16 { raw[index] = bytes[index] }
        }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
        }
    }

    var family: Int32 { ip.isIPv4 ? AF_INET : AF_INET6 }
}
