import Foundation
import Synchronization

/// The latest drops as the console's flash-sale view shows them, kept in memory as entries are accepted and
/// numbered: how many entered, how many the FIFO consumer has numbered, and the moment the last unit was won.
/// The store holds the truth; this is its live picture, filled from the store at start and bounded to the
/// latest `capacity` drops. (A flash sale showed as one `drop.create` line before; issue 21.)
final class DropBoard: Sendable {
    struct Drop: Sendable, Equatable {
        var dropId: String
        var productId: String
        var stock: Int
        var opensAt: Date
        /// Entries accepted (each shopper once).
        var entered: Int
        /// Entries the FIFO consumer has given a position.
        var numbered: Int
        /// When the entry taking the last unit was numbered.
        var soldOutAt: Date?
    }

    static let capacity = 20
    private let drops = Mutex<[Drop]>([])

    /// Starts following a drop (created here, or found in the store at start).
    func track(dropId: String, productId: String, stock: Int, opensAt: Date, entrants: Int = 0) {
        drops.withLock { drops in
            guard !drops.contains(where: { $0.dropId == dropId }) else { return }
            drops.append(Drop(dropId: dropId, productId: productId, stock: stock, opensAt: opensAt, entered: entrants, numbered: entrants))
            drops.sort { $0.opensAt < $1.opensAt }
            if drops.count > Self.capacity { drops.removeFirst(drops.count - Self.capacity) }
        }
    }

    /// A new entry was accepted.
    func entered(_ dropId: String) {
        update(dropId) { $0.entered += 1 }
    }

    /// The consumer gave an entry `position`; the one taking the last unit marks the drop sold out.
    func numbered(_ dropId: String, position: Int, at now: Date) {
        update(dropId) { drop in
            drop.numbered = max(drop.numbered, position)
            drop.entered = max(drop.entered, drop.numbered)
            if position == drop.stock, drop.soldOutAt == nil { drop.soldOutAt = now }
        }
    }

    /// The drops followed, oldest first.
    var all: [Drop] { drops.withLock { $0 } }

    private func update(_ dropId: String, _ change: (inout Drop) -> Void) {
        drops.withLock { drops in
            if let index = drops.firstIndex(where: { $0.dropId == dropId }) { change(&drops[index]) }
        }
    }
}
