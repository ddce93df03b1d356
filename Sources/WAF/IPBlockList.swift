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
/// stop matching at once and are dropped when the list is next read. A lookup costs one hash probe per
/// prefix length in use (an address, a /24, a /16…), not a scan of every block, so an operator's list can
/// grow to `capacity` without slowing every request.
public final class IPBlockList: Sendable {
    private struct State {
        var blocks: [String: IPBlock] = [:]
        /// Masked network → CIDR, per (family size, prefix length), most specific prefix first.
        var networks: [(family: Int, prefixLength: Int, entries: [ByteKey: String])] = []
    }

    /// The most blocks the list holds (AWS WAF's IP set limit).
    public static let capacity = 10_000
    private let state = Mutex(State())

    public init() {}

    /// Adds a block, replacing one for the same network; false if the list is full.
    @discardableResult
    public func add(_ block: IPBlock) -> Bool {
        state.withLock { s in
            guard s.blocks[block.cidr] != nil || s.blocks.count < Self.capacity else { return false }
            if s.blocks[block.cidr] == nil {
                let key = ByteKey(Self.mask(block.network, prefixLength: block.prefixLength))
                if let index = s.networks.firstIndex(where: { $0.family == block.network.count && $0.prefixLength == block.prefixLength }) {
                    s.networks[index].entries[key] = block.cidr
                } else {
                    s.networks.append((block.network.count, block.prefixLength, [key: block.cidr]))
                    s.networks.sort { $0.prefixLength > $1.prefixLength }
                }
            }
            s.blocks[block.cidr] = block
            return true
        }
    }

    /// Removes the block for `cidr`; false if there was none.
    @discardableResult
    public func remove(_ cidr: String) -> Bool {
        state.withLock { s in Self.remove(cidr, from: &s) }
    }

    private static func remove(_ cidr: String, from s: inout State) -> Bool {
        guard let block = s.blocks.removeValue(forKey: cidr) else { return false }
        let key = ByteKey(mask(block.network, prefixLength: block.prefixLength))
        if let index = s.networks.firstIndex(where: { $0.family == block.network.count && $0.prefixLength == block.prefixLength }) {
            s.networks[index].entries[key] = nil
            if s.networks[index].entries.isEmpty { s.networks.remove(at: index) }
        }
        return true
    }

    /// The live block covering `address` (the most specific one), counting the hit.
    public func match(_ address: [UInt8], now: Date) -> IPBlock? {
        state.withLock { s in
            for group in s.networks where group.family == address.count {
                guard let cidr = group.entries[ByteKey(Self.mask(address, prefixLength: group.prefixLength))],
                      var block = s.blocks[cidr], block.isLive(at: now) else { continue }
                block.hits += 1
                s.blocks[cidr] = block
                return block
            }
            return nil
        }
    }

    /// The live blocks, oldest first (expired ones are dropped).
    public func list(now: Date) -> [IPBlock] {
        state.withLock { s in
            for (cidr, block) in s.blocks where !block.isLive(at: now) { _ = Self.remove(cidr, from: &s) }
            return s.blocks.values.sorted { ($0.createdAt, $0.cidr) < ($1.createdAt, $1.cidr) }
        }
    }

    public var isEmpty: Bool { state.withLock { $0.blocks.isEmpty } }

    public var count: Int { state.withLock { $0.blocks.count } }

    /// `address` with the bits past `prefixLength` cleared.
    static func mask(_ address: [UInt8], prefixLength: Int) -> [UInt8] {
        var masked = address
        var bits = prefixLength
        for index in masked.indices {
            if bits >= 8 {
                bits -= 8
                continue
            }
            masked[index] &= bits <= 0 ? 0 : ~(0xFF >> UInt8(bits))
            bits = 0
        }
        return masked
    }
}
