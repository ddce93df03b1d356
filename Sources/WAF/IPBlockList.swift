import Foundation
import Synchronization

/// A blocked network: address bytes (4 for IPv4, 16 for IPv6) and prefix length, with why, by whom
/// (`manual` for an operator), since when, until when (nil: until removed) and how many requests it stopped.
public struct IPBlock: Sendable, Equatable {
    public var cidr: String
    public var network: [UInt8]
    public var prefixLength: Int
    public var reason: String
    public var source: String
    public var createdAt: Date
    public var expiresAt: Date?
    public var hits: Int

    public init(cidr: String, network: [UInt8], prefixLength: Int, reason: String, source: String, createdAt: Date, expiresAt: Date?, hits: Int = 0) {
        self.cidr = cidr
        self.network = network
        self.prefixLength = prefixLength
        self.reason = reason
        self.source = source
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.hits = hits
    }

    /// Whether `address` (same family) lies in the network.
    public func contains(_ address: [UInt8]) -> Bool {
        guard address.count == network.count else { return false }
        var bits = prefixLength
        for (a, n) in zip(address, network) {
            guard bits > 0 else { return true }
            let mask: UInt8 = bits >= 8 ? 0xFF : ~(0xFF >> UInt8(bits))
            if a & mask != n & mask { return false }
            bits -= 8
        }
        return true
    }

    func isLive(at now: Date) -> Bool { expiresAt.map { now < $0 } ?? true }
}

/// The IP set the firewall checks first: blocks by address or CIDR, with optional expiry. Expired blocks
/// stop matching at once and are dropped when the list is next read.
public final class IPBlockList: Sendable {
    private let blocks = Mutex<[IPBlock]>([])

    public init() {}

    /// Adds a block, replacing one for the same network.
    public func add(_ block: IPBlock) {
        blocks.withLock { list in
            list.removeAll { $0.cidr == block.cidr }
            list.append(block)
        }
    }

    /// Removes the block for `cidr`; false if there was none.
    @discardableResult
    public func remove(_ cidr: String) -> Bool {
        blocks.withLock { list in
            let before = list.count
            list.removeAll { $0.cidr == cidr }
            return list.count != before
        }
    }

    /// The live block covering `address`, counting the hit.
    public func match(_ address: [UInt8], now: Date) -> IPBlock? {
        blocks.withLock { list in
            guard !list.isEmpty, let index = list.firstIndex(where: { $0.isLive(at: now) && $0.contains(address) }) else { return nil }
            list[index].hits += 1
            return list[index]
        }
    }

    /// The live blocks, oldest first (expired ones are dropped).
    public func list(now: Date) -> [IPBlock] {
        blocks.withLock { list in
            list.removeAll { !$0.isLive(at: now) }
            return list
        }
    }

    public var isEmpty: Bool { blocks.withLock { $0.isEmpty } }
}
