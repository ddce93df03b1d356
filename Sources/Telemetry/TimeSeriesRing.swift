import Foundation
import Synchronization

/// A fixed number of equal time slots ending now: the data behind a sparkline ("requests per
/// second over the last two minutes"). Old slots fall off as time moves; memory never grows.
public final class TimeSeriesRing: Sendable {
    /// How samples landing in the same slot combine.
    public enum Aggregation: Sendable {
        /// Add them up (requests per slot).
        case sum
        /// Keep the largest (peak queue depth).
        case max
        /// Keep the latest (a gauge reading).
        case last
    }

    private struct State {
        var values: [Double]
        var headSlot: Int64
    }

    /// Width of one slot in seconds.
    public let slotSeconds: Double
    /// Number of slots kept.
    public let capacity: Int
    private let aggregation: Aggregation
    private let state: Mutex<State>

    /// A ring of `capacity` slots, each `slotSeconds` wide.
    public init(capacity: Int, slotSeconds: Double = 1, aggregation: Aggregation = .sum) {
        precondition(capacity > 0 && slotSeconds > 0, "a time series needs at least one slot of positive width")
        self.capacity = capacity
        self.slotSeconds = slotSeconds
        self.aggregation = aggregation
        state = Mutex(State(values: [Double](repeating: 0, count: capacity), headSlot: Int64.min))
    }

    /// Records `value` at time `date`. Samples older than the ring are dropped.
    public func record(_ value: Double, at date: Date) {
        let slot = slotIndex(date)
        state.withLock { s in
            advance(&s, to: slot)
            guard slot > s.headSlot - Int64(capacity) else { return }
            let position = Int(slot.modulo(Int64(capacity)))
            switch aggregation {
            case .sum: s.values[position] += value
            case .max: s.values[position] = Swift.max(s.values[position], value)
            case .last: s.values[position] = value
            }
        }
    }

    /// The slots oldest first, the last one being the slot that contains `date`.
    public func values(at date: Date) -> [Double] {
        let slot = slotIndex(date)
        return state.withLock { s in
            advance(&s, to: slot)
            return (0..<capacity).map { offset in
                let wanted = s.headSlot - Int64(capacity - 1 - offset)
                return s.values[Int(wanted.modulo(Int64(capacity)))]
            }
        }
    }

    private func slotIndex(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 / slotSeconds).rounded(.down))
    }

    private func advance(_ s: inout State, to slot: Int64) {
        guard slot > s.headSlot else { return }
        if s.headSlot == Int64.min || slot - s.headSlot >= Int64(capacity) {
            for index in s.values.indices { s.values[index] = 0 }
        } else {
            var cleared = s.headSlot + 1
            while cleared <= slot {
                s.values[Int(cleared.modulo(Int64(capacity)))] = 0
                cleared += 1
            }
        }
        s.headSlot = slot
    }
}

extension Int64 {
    /// Remainder that is never negative (a slot index of a ring, whatever the clock says).
    public func modulo(_ divisor: Int64) -> Int64 {
        let r = self % divisor
        return r < 0 ? r + divisor : r
    }
}
