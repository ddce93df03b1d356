import Foundation
import Testing
import Telemetry

@Suite struct ManualClockTests {
    @Test func sleeperWakesOnlyWhenTimeIsAdvancedPastItsDeadline() async throws {
        let clock = ManualClock()
        let start = clock.now()
        let woke = Task { try await clock.sleep(seconds: 10); return clock.now() }
        while clock.sleeperCount == 0 { await Task.yield() }
        clock.advance(by: 9)
        #expect(clock.sleeperCount == 1)
        clock.advance(by: 1)
        let wokeAt = try await woke.value
        #expect(wokeAt.timeIntervalSince(start) == 10)
        #expect(clock.sleeperCount == 0)
    }

    @Test func pastDeadlineReturnsAtOnce() async throws {
        let clock = ManualClock()
        try await clock.sleep(until: clock.now().addingTimeInterval(-1))
        #expect(clock.sleeperCount == 0)
    }

    @Test func cancellingASleeperRemovesIt() async throws {
        let clock = ManualClock()
        let task = Task { try await clock.sleep(seconds: 100) }
        while clock.sleeperCount == 0 { await Task.yield() }
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(clock.sleeperCount == 0)
    }
}
