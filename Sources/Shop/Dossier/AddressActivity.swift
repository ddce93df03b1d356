import Addressing
import Foundation
import Synchronization

/// What addresses did that matters to the business — sign-ins and the accounts they were for, lockouts,
/// orders and how they ended, drop entries — kept as the latest `capacity` events, so that an operator sees
/// who stands behind an address before blocking it (the dossier, the block's impact preview). A window on
/// the last hours in bounded memory, not a record: the audit trail and the stores keep what must last.
public final class AddressActivity: Sendable {
    public enum Kind: String, Sendable, Codable {
        case signedIn, signInFailed, lockedOut, ordered, enteredDrop
    }

    public struct Event: Sendable, Equatable {
        public var at: Date
        public var address: IPAddress
        public var kind: Kind
        /// The user id; for a failed sign-in or a lockout, the email it was tried for (no account may exist).
        public var account: String
        /// The order's or the drop's id.
        public var subject: String?
        /// An order's total, in the catalogue's minor unit.
        public var amount: Int?
        /// An order's outcome once checkout settled it here: `confirmed` or `failed`.
        public var outcome: String?
    }

    /// Events kept: at the demo's 40 actions a second about 20 minutes of everything, hours of a real shop's
    /// sign-ins and orders; ~120 bytes each, 6 MB at most.
    public static let capacity = 50_000

    private struct Ring {
        var events: [Event] = []
        /// Where the next event goes once the ring is full.
        var next = 0
        /// Each order's slot, to settle it; an order leaves with its event.
        var orderSlots: [String: Int] = [:]
    }

    private let ring = Mutex(Ring())
    private let capacity: Int

    public init(capacity: Int = AddressActivity.capacity) {
        self.capacity = max(1, capacity)
    }

    public func record(_ event: Event) {
        ring.withLock { ring in
            let slot: Int
            if ring.events.count < capacity {
                slot = ring.events.count
                ring.events.append(event)
            } else {
                slot = ring.next
                if let old = ring.events[slot].subject, ring.events[slot].kind == .ordered { ring.orderSlots[old] = nil }
                ring.events[slot] = event
                ring.next = (slot + 1) % capacity
            }
            if event.kind == .ordered, let order = event.subject { ring.orderSlots[order] = slot }
        }
    }

    /// Records a sign-in, failed sign-in, lockout, order or drop entry from `address` now.
    public func record(_ kind: Kind, from address: IPAddress, account: String, subject: String? = nil, amount: Int? = nil, at: Date) {
        record(Event(at: at, address: address, kind: kind, account: String(account.prefix(200)), subject: subject, amount: amount))
    }

    /// Notes how checkout ended an order placed here (no-op for one placed elsewhere or forgotten).
    public func settle(order: String, outcome: String) {
        ring.withLock { ring in
            guard let slot = ring.orderSlots[order] else { return }
            ring.events[slot].outcome = outcome
        }
    }

    /// The events from inside `network` (every address when nil) since `since`, newest first, at most `limit`.
    public func events(in network: IPNetwork?, since: Date, limit: Int) -> [Event] {
        ring.withLock { ring in
            var found: [Event] = []
            let count = ring.events.count
            // Newest first: the slot before `next` when full, else the end of the array.
            let newest = count < capacity ? count - 1 : (ring.next - 1 + count) % count
            for step in 0..<count {
                let event = ring.events[(newest - step + count) % count]
                if event.at < since { break }
                if let network, !network.contains(event.address) { continue }
                found.append(event)
                if found.count >= limit { break }
            }
            return found
        }
    }
}
