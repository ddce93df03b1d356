import Foundation
import Telemetry
import Testing

@Suite struct SlidingWindowTests {
    @Test func theOldestSlotCountsByTheShareStillInsideTheWindow() {
        let window = SlidingWindow(slots: 6, slotSeconds: 10)
        let at = Date(timeIntervalSince1970: 1_000_000_004)  // 4 s into slot 100,000,000
        let weights = window.weights(at: at)
        #expect(weights.map(\.slot) == (0...6).map { 100_000_000 - Int64($0) })
        #expect(weights.dropLast().allSatisfy { $0.weight == 1 })
        #expect(abs(weights.last!.weight - 0.6) < 1e-6)
        // 10 a slot everywhere: 6 whole slots (the current one counted as far as it is) and 60 % of the oldest.
        #expect(abs(window.total(of: [Double](repeating: 10, count: 7), at: at) - 66) < 1e-6)
        #expect(window.total(of: [0, 0, 0, 0, 0, 0, 5], at: at) == 5, "the newest slot is the ring's last")
    }
}
