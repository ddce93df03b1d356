import Addressing
import Glibc

/// Conversions between addresses and the kernel's socket address structures: the socket layer's business,
/// so they live with the sockets rather than with the address values.
extension SocketAddress {
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
