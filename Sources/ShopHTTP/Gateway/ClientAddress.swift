import Addressing
import HTTP
import Shop

/// Who the client is: the TCP peer, or — only when the peer is a trusted proxy — the nearest address in
/// `X-Forwarded-For` that is not itself a trusted proxy (read right to left, since each proxy appends).
public struct ClientAddressResolver: Sendable {
    public let trustedProxies: [IPNetwork]

    public init(trustedProxies: [IPNetwork]) {
        self.trustedProxies = trustedProxies
    }

    public func isTrusted(_ ip: IPAddress) -> Bool {
        trustedProxies.contains { $0.contains(ip) }
    }

    public func clientIP(peer: IPAddress, forwardedFor: String?) -> IPAddress {
        guard let forwardedFor, !trustedProxies.isEmpty, isTrusted(peer) else { return peer }
        var client = peer
        for entry in forwardedFor.split(separator: ",").reversed() {
            guard let hop = IPAddress(entry.trimmingSpaces) else { break }
            client = hop
            if !isTrusted(hop) { break }
        }
        return client
    }
}

extension Substring {
    var trimmingSpaces: String {
        var slice = self
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return String(slice)
    }
}
