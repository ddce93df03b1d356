import Addressing
import CEventPoll
import Glibc

/// A socket call that failed, with the cause in words.
public struct SocketError: Error, Sendable, CustomStringConvertible {
    public var operation: String
    public var code: Int32

    public init(_ operation: String, code: Int32 = errno) {
        self.operation = operation
        self.code = code
    }

    public var description: String {
        let cause = switch code {
        case EADDRINUSE: "address already in use"
        case EACCES: "permission denied"
        case EADDRNOTAVAIL: "address not available on this machine"
        case ECONNREFUSED: "connection refused"
        case ETIMEDOUT: "timed out"
        case ECONNRESET: "connection reset by peer"
        default: String(cString: strerror(code))
        }
        return "\(operation): \(cause)"
    }
}

/// Thin wrappers over the socket system calls the server and the client use.
enum Socket {
    static func setOption(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32 = 1) {
        var value = value
        _ = setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size))
    }

    /// A non-blocking TCP socket for `family`.
    static func makeTCP(family: Int32) throws(SocketError) -> Int32 {
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError("socket") }
        return fd
    }

    /// A listening socket bound to `address`.
    static func listen(on address: SocketAddress, backlog: Int32) throws(SocketError) -> Int32 {
        let fd = try makeTCP(family: address.family)
        setOption(fd, SOL_SOCKET, SO_REUSEADDR)
        let bound = address.withKernelAddress { bind(fd, $0, $1) }
        guard bound == 0 else {
            let error = SocketError("bind \(address)")
            close(fd)
            throw error
        }
        guard Glibc.listen(fd, backlog) == 0 else {
            let error = SocketError("listen \(address)")
            close(fd)
            throw error
        }
        return fd
    }

    /// The local address a socket is bound to (the port the kernel chose for port 0).
    static func localAddress(_ fd: Int32) -> SocketAddress? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return result == 0 ? SocketAddress(storage: storage) : nil
    }

    /// Accepts one pending connection as a non-blocking socket; nil when none is pending.
    static func accept(_ listener: Int32) -> (fd: Int32, peer: SocketAddress?)? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let fd = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                accept4(listener, $0, &length, Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue))
            }
        }
        guard fd >= 0 else { return nil }
        return (fd, SocketAddress(storage: storage))
    }
}
