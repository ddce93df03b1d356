import Foundation
import Testing
@testable import Telemetry

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

@Suite struct SystemClockTests {
    @Test func aSleepEndsAtItsDeadlineNotBefore() async throws {
        let deadline = Date().addingTimeInterval(0.02)
        try await SystemClock().sleep(until: deadline)
        #expect(Date() >= deadline)
    }

    /// A cancelled sleep ends at once with `CancellationError`, whether it was cancelled while its timer was
    /// armed or before it began; a sleep of a minute would otherwise hold this test for that minute.
    @Test func aCancelledSleepEndsAtOnce() async throws {
        let armed = Task { try await SystemClock().sleep(seconds: 60) }
        armed.cancel()
        await #expect(throws: CancellationError.self) { try await armed.value }
        let never = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await SystemClock().sleep(seconds: 60)
        }
        await #expect(throws: CancellationError.self) { try await never.value }
    }

    /// Many sleeps cancelled while armed and many that fire, side by side: each ends once, the right way.
    @Test func sleepsThatFireAndSleepsCancelledEachEndOnce() async throws {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<200 {
                group.addTask {
                    let sleep = Task { try await SystemClock().sleep(seconds: index.isMultiple(of: 2) ? 0.005 : 60) }
                    if !index.isMultiple(of: 2) { sleep.cancel() }
                    do {
                        try await sleep.value
                        return index.isMultiple(of: 2)
                    } catch is CancellationError {
                        return !index.isMultiple(of: 2)
                    }
                }
            }
            for try await endedAsExpected in group { #expect(endedAsExpected) }
        }
    }

    /// The scheduler's thread, asleep until an hour-long deadline, is woken for an earlier one armed later;
    /// and a thousand and more sleeps armed and cancelled do not stay in its heap once another is armed.
    @Test func anEarlierDeadlineArmedLaterEndsOnTimeAndCancelledSleepsDoNotPileUp() async throws {
        let scheduler = SleepScheduler()
        let hour: UInt64 = 3_600_000_000_000
        let long = Task { try await scheduler.sleep(nanoseconds: hour) }
        while scheduler.counts.sleepers < 1 { await Task.yield() }
        let started = ContinuousClock.now
        try await scheduler.sleep(nanoseconds: 20_000_000)
        #expect(ContinuousClock.now - started < .seconds(600), "the short sleep waited for the long one")
        await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<1500 { group.addTask { try await scheduler.sleep(nanoseconds: hour) } }
            while scheduler.counts.sleepers < 1501 { await Task.yield() }
            group.cancelAll()
            while let _ = try? await group.next() {}
        }
        #expect(scheduler.counts.sleepers == 1 && scheduler.counts.entries >= 1501)
        try await scheduler.sleep(nanoseconds: 1_000_000)
        #expect(scheduler.counts.entries <= 2, "\(scheduler.counts.entries) entries left for 1 sleeper")
        long.cancel()
        await #expect(throws: CancellationError.self) { try await long.value }
        #expect(scheduler.counts.sleepers == 0)
    }
}
