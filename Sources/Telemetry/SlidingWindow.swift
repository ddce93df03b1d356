import Foundation

/// A window of `seconds` ending now, over counts kept in slots of `slotSeconds`: the slots wholly inside count
/// in full, the current slot as far as it has filled, and the oldest slot by the share of it still inside the
/// window — so a steady rate reads steady instead of the saw-tooth of "this minute so far" (a steady attack
/// read 487 → 0 → 71 → 180 → 540 blocks a minute that way; issue 21).
public struct SlidingWindow: Sendable, Equatable {
    /// Width of one slot in seconds.
    public let slotSeconds: Double
    /// Slots wholly inside the window when the current slot has just begun.
    public let slots: Int

    /// A window of `slots` slots of `slotSeconds` each.
    public init(slots: Int, slotSeconds: Double) {
        precondition(slots > 0 && slotSeconds > 0, "a window needs at least one slot of positive width")
        self.slots = slots
        self.slotSeconds = slotSeconds
    }

    /// The window's length in seconds.
    public var seconds: Double { Double(slots) * slotSeconds }

    /// The slot that contains `date`.
    public func slot(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 / slotSeconds).rounded(.down))
    }

    /// Each slot that counts at `date`, newest first, with its weight: 1 for the current slot and those wholly
    /// inside, the share still inside for the oldest (`slots + 1` slots in all).
    public func weights(at date: Date) -> [(slot: Int64, weight: Double)] {
        let current = slot(date)
        let filled = date.timeIntervalSince1970 / slotSeconds - Double(current)
        return (0..<slots).map { (current - Int64($0), 1.0) } + [(current - Int64(slots), 1 - filled)]
    }

    /// The window's total from a ring of these slots (`TimeSeriesRing.values`, oldest first, the last being the
    /// slot of `date`); the ring must hold at least `slots + 1` slots.
    public func total(of ring: [Double], at date: Date) -> Double {
        precondition(ring.count > slots, "the ring is shorter than the window")
        return zip(ring.reversed(), weights(at: date)).reduce(0) { $0 + $1.0 * $1.1.weight }
    }
}
