import Foundation
import Synchronization
import Testing
import Telemetry
@testable import Workflow

final class TemporaryDirectory: Sendable {
    let path: String

    init() {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("workflow-test-\(UUID().uuidString)").path
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Records every fire a handler saw, with the clock time it saw it at, and fails the first `failures` attempts.
final class FireLog: Sendable {
    struct Entry: Equatable {
        var fire: ScheduledFire
        var at: Date
    }

    private let entries = Mutex<[Entry]>([])
    private let failuresLeft: Mutex<Int>

    init(failures: Int = 0) { failuresLeft = Mutex(failures) }

    var all: [Entry] { entries.withLock { $0 } }

    func handler(clock: any WallClock) -> @Sendable (ScheduledFire) async throws -> Void {
        { fire in
            self.entries.withLock { $0.append(Entry(fire: fire, at: clock.now())) }
            let fail = self.failuresLeft.withLock { left -> Bool in
                guard left > 0 else { return false }
                left -= 1
                return true
            }
            if fail { throw WorkflowFailure("TargetUnavailable") }
        }
    }
}

@Suite struct SchedulerTests {
    @Test func aRateScheduleFiresAtItsStartAndEveryIntervalWhileTheLoopRuns() async throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let log = FireLog()
        let scheduler = try Scheduler(directory: dir.path, clock: clock, handler: log.handler(clock: clock))
        let start = clock.now()
        try await scheduler.createSchedule(ScheduleDefinition(name: "train", expression: try ScheduleExpression(parsing: "rate(5 minutes)")))
        scheduler.start()
        for round in 1...3 {
            while log.all.count < round { await Task.yield() }
            while clock.sleeperCount == 0 { await Task.yield() }
            clock.advance(by: 300)
        }
        while log.all.count < 4 { await Task.yield() }
        await scheduler.stop()
        #expect(log.all.map(\.fire.scheduledAt) == (0..<4).map { start.addingTimeInterval(Double($0) * 300) })
        #expect(scheduler.schedules()[0].nextFireAt == start.addingTimeInterval(1200))
        await scheduler.close()
    }

    @Test func failedFiresAreRetriedWithExponentialBackoffThenSucceed() async throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let log = FireLog(failures: 2)
        let scheduler = try Scheduler(directory: dir.path, clock: clock, random: { 1 }, handler: log.handler(clock: clock))
        let start = clock.now()
        try await scheduler.createSchedule(ScheduleDefinition(name: "export", expression: try ScheduleExpression(parsing: "rate(1 hour)")))
        await scheduler.fireDue()
        // Full jitter drawn at 1.0: the first retry waits 1 s, the second 2 s.
        while clock.sleeperCount == 0 { await Task.yield() }
        clock.advance(by: 1)
        while log.all.count < 2 || clock.sleeperCount == 0 { await Task.yield() }
        clock.advance(by: 2)
        await scheduler.waitForFires()
        #expect(log.all.map(\.fire.attempt) == [1, 2, 3])
        #expect(log.all.map(\.at) == [start, start.addingTimeInterval(1), start.addingTimeInterval(3)])
        #expect(Set(log.all.map(\.fire.scheduledAt)) == [start])
        #expect(scheduler.schedules()[0].lastOutcome == "succeeded")
        await scheduler.close()
    }

    @Test func exhaustedRetriesBecomeADeadLetter() async throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let log = FireLog(failures: 100)
        let scheduler = try Scheduler(directory: dir.path, clock: clock, random: { 0 }, handler: log.handler(clock: clock))
        var definition = ScheduleDefinition(name: "flaky", expression: try ScheduleExpression(parsing: "rate(1 day)"))
        definition.maximumRetryAttempts = 2
        try await scheduler.createSchedule(definition)
        await scheduler.fireDue()
        await scheduler.waitForFires()
        #expect(log.all.count == 3)
        let letters = scheduler.deadLetters()
        #expect(letters.count == 1 && letters[0].attempts == 3 && letters[0].error.contains("TargetUnavailable"))
        await scheduler.close()
        // Dead letters survive a restart.
        let reopened = try Scheduler(directory: dir.path, clock: clock, handler: log.handler(clock: clock))
        #expect(reopened.deadLetters().count == 1)
        await reopened.close()
    }

    @Test(arguments: [MissedFirePolicy.fireOnce, .skip])
    func firesMissedWhileStoppedFollowThePolicy(policy: MissedFirePolicy) async throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let log = FireLog()
        let start = clock.now()
        do {
            let scheduler = try Scheduler(directory: dir.path, clock: clock, handler: log.handler(clock: clock))
            var definition = ScheduleDefinition(name: "hourly", expression: try ScheduleExpression(parsing: "rate(1 hour)"))
            definition.missedFires = policy
            try await scheduler.createSchedule(definition)
            await scheduler.fireDue()
            await scheduler.waitForFires()
            await scheduler.close()
        }
        clock.advance(by: 5 * 3600 + 600)
        let scheduler = try Scheduler(directory: dir.path, clock: clock, handler: log.handler(clock: clock))
        await scheduler.fireDue()
        await scheduler.waitForFires()
        if policy == .fireOnce {
            #expect(log.all.map(\.fire.scheduledAt) == [start, start.addingTimeInterval(5 * 3600)], "one catch-up fire, for the latest missed time")
        } else {
            #expect(log.all.count == 1)
            #expect(scheduler.schedules()[0].lastOutcome?.hasPrefix("skipped") == true)
        }
        #expect(scheduler.schedules()[0].nextFireAt == start.addingTimeInterval(6 * 3600))
        // Nothing fires twice after another restart.
        await scheduler.close()
        let again = try Scheduler(directory: dir.path, clock: clock, handler: log.handler(clock: clock))
        #expect(await again.fireDue().isEmpty)
        await again.close()
    }

    @Test func aFireOlderThanTheMaximumEventAgeIsDeadLettered() async throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let log = FireLog()
        let scheduler = try Scheduler(directory: dir.path, clock: clock, handler: log.handler(clock: clock))
        var definition = ScheduleDefinition(name: "nightly", expression: try ScheduleExpression(parsing: "cron(0 3 * * ? *)"))
        definition.maximumEventAge = 600
        try await scheduler.createSchedule(definition)
        // 2026-01-01T00:00Z start: the 03:00 fire is due; found 20 minutes late it is too old.
        clock.advance(by: 3 * 3600 + 1200)
        await scheduler.fireDue()
        await scheduler.waitForFires()
        #expect(log.all.isEmpty)
        #expect(scheduler.deadLetters().first?.error.contains("maximum event age") == true)
        await scheduler.close()
    }

    @Test func disabledSchedulesDoNotFireAndUpdatesTakeEffect() async throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let log = FireLog()
        let scheduler = try Scheduler(directory: dir.path, clock: clock, handler: log.handler(clock: clock))
        try await scheduler.createSchedule(try ScheduleDefinition(name: "report", expression: "cron(0 9 * * ? *)", timeZone: "Asia/Tokyo"))
        // 09:00 in Tokyo is 00:00 UTC, which is exactly when the test clock starts: the first fire is now.
        #expect(try scheduler.nextFires("report", count: 2) == [clock.now(), clock.now().addingTimeInterval(86_400)])
        try await scheduler.updateSchedule("report", enabled: false)
        clock.advance(by: 86_400)
        #expect(await scheduler.fireDue().isEmpty)
        #expect(scheduler.schedules()[0].nextFireAt == nil)
        try await scheduler.updateSchedule("report", expression: "rate(10 minutes)", enabled: true)
        #expect(await scheduler.fireDue() == ["report"])
        await scheduler.waitForFires()
        #expect(log.all.count == 1)
        await #expect(throws: WorkflowError.scheduleNotFound("nope")) { try await scheduler.updateSchedule("nope", enabled: true) }
        await #expect(throws: WorkflowError.scheduleAlreadyExists("report")) {
            try await scheduler.createSchedule(try ScheduleDefinition(name: "report", expression: "rate(1 hour)"))
        }
        await #expect(throws: WorkflowError.invalidTimeZone("Mars/Olympus")) {
            try await scheduler.createSchedule(try ScheduleDefinition(name: "x", expression: "rate(1 hour)", timeZone: "Mars/Olympus"))
        }
        await scheduler.close()
    }

    @Test func aOneTimeScheduleFiresOnce() async throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let log = FireLog()
        let scheduler = try Scheduler(directory: dir.path, clock: clock, handler: log.handler(clock: clock))
        try await scheduler.createSchedule(try ScheduleDefinition(name: "launch", expression: "at(2026-01-01T00:30:00)"))
        clock.advance(by: 1800)
        await scheduler.fireDue()
        await scheduler.waitForFires()
        clock.advance(by: 86_400)
        #expect(await scheduler.fireDue().isEmpty)
        #expect(log.all.count == 1 && scheduler.schedules()[0].completed)
        await scheduler.close()
    }
}

@Suite struct RetryPolicyTests {
    @Test func delaysGrowByTheRateAndStopAtTheCap() {
        let policy = RetryPolicy(intervalSeconds: 2, backoffRate: 3, maxAttempts: 6, maxDelaySeconds: 50)
        #expect((1...6).map { policy.baseDelay(beforeAttempt: $0) } == [0, 2, 6, 18, 50, 50])
    }

    @Test func fullJitterStaysWithinZeroAndTheBaseDelay() {
        let policy = RetryPolicy(intervalSeconds: 1, backoffRate: 2, maxAttempts: 10, jitter: .full)
        var generator = SystemRandomNumberGenerator()
        for attempt in 2...10 {
            for _ in 0..<50 {
                let delay = policy.delay(beforeAttempt: attempt) { Double.random(in: 0...1, using: &generator) }
                #expect(delay >= 0 && delay <= policy.baseDelay(beforeAttempt: attempt))
            }
        }
        #expect(policy.delay(beforeAttempt: 4) { 0.5 } == 2)
    }

    @Test func errorsMatchByName() {
        #expect(RetryPolicy(errorEquals: ["*"]).matches("Anything"))
        #expect(RetryPolicy(errorEquals: ["Timeout"]).matches("Timeout"))
        #expect(!RetryPolicy(errorEquals: ["Timeout"]).matches("Declined"))
        #expect(errorName(WorkflowFailure("Declined")) == "Declined")
    }
}
