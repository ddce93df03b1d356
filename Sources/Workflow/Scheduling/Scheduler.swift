import Foundation
import Journal
import Synchronization
import Telemetry

/// Fires schedules (EventBridge Scheduler in the original design): rate, cron and one-time expressions in
/// any time zone, each fire retried with exponential backoff and full jitter until it succeeds, its
/// retries run out, or it is older than the schedule's maximum event age — then it becomes a dead-letter
/// record. Definitions and every handled fire are journaled, so after a restart nothing fires twice;
/// fires missed while shopdeck was down follow the schedule's `MissedFirePolicy`.
public final class Scheduler: Sendable {
    typealias Decision<Result: Sendable> = JournalDecision<SchedulerRecord, Result, WorkflowError>

    /// How long a fire may be late and still count as on time rather than missed.
    public static let onTimeGraceSeconds: Double = 60

    let journal: Journal
    let state: LockedState<SchedulerState>
    let clock: any WallClock
    private let handler: @Sendable (ScheduledFire) async throws -> Void
    private let random: @Sendable () -> Double
    private let wake = WakeSignal()
    private let firing = Mutex<[String: Task<Void, Never>]>([:])
    private let loop = Mutex<Task<Void, Never>?>(nil)
    private let lifecycle = ComponentLifecycle()

    /// Opens the scheduler's journal in `directory`. `handler` runs each fire; throwing makes it retry.
    /// `random` (a draw in 0...1) jitters retry delays; tests pass a fixed one.
    public init(directory: String, clock: any WallClock = SystemClock(), options: JournalOptions = JournalOptions(),
                random: @escaping @Sendable () -> Double = { Double.random(in: 0...1) },
                handler: @escaping @Sendable (ScheduledFire) async throws -> Void) throws(WorkflowError) {
        self.clock = clock
        self.handler = handler
        self.random = random
        var recovered = SchedulerState()
        do throws(JournalError) {
            journal = try Journal(directory: directory, options: options,
                                  restoreSnapshot: { recovered = try SchedulerCodec.readSnapshot($0) },
                                  replay: { lsn, payload in recovered.apply(try SchedulerCodec.decode(payload), lsn: lsn) })
        } catch {
            throw .journal(error)
        }
        recovered.appliedLSN = max(recovered.appliedLSN, journal.recoveryReport.lastLSN)
        state = LockedState(recovered)
    }

    func perform<Result: Sendable>(_ decide: (inout SchedulerState, _ nowMillis: Int64) throws(WorkflowError) -> Decision<Result>) async throws(WorkflowError) -> Result {
        guard !lifecycle.isClosed else { throw .closed }
        let now = Self.millis(clock.now())
        return try await journal.perform(on: state, decide: { (s) throws(WorkflowError) in try decide(&s, now) },
                                         encode: SchedulerCodec.encode,
                                         apply: { s, record, lsn in s.apply(record, lsn: lsn); return true },
                                         journalError: { $0 == .closed ? .closed : .journal($0) }).result
    }

    static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }
    static func date(_ millis: Int64) -> Date { Date(timeIntervalSince1970: Double(millis) / 1000) }

    // MARK: Definitions

    /// Adds a schedule; `.scheduleAlreadyExists` if the name is taken.
    public func createSchedule(_ definition: ScheduleDefinition) async throws(WorkflowError) {
        try definition.validate()
        try await perform { (s, now) throws(WorkflowError) -> Decision<Void> in
            guard s.schedules[definition.name] == nil else { throw .scheduleAlreadyExists(definition.name) }
            guard s.schedules.count < 1000 else { throw .validation("the scheduler holds at most 1000 schedules") }
            return .commit(.define(definition, anchorMillis: now), ())
        }
        wake.notifyAll()
    }

    /// Changes a schedule's expression and/or enables or disables it. A new expression starts counting now.
    public func updateSchedule(_ name: String, expression: String? = nil, enabled: Bool? = nil) async throws(WorkflowError) {
        let parsed = try expression.map { (text) throws(WorkflowError) in try ScheduleExpression(parsing: text) }
        try await perform { (s, now) throws(WorkflowError) -> Decision<Void> in
            guard let entry = s.schedules[name] else { throw .scheduleNotFound(name) }
            var definition = entry.definition
            if let parsed { definition.expression = parsed }
            if let enabled { definition.enabled = enabled }
            let anchor = parsed == nil || parsed == entry.definition.expression ? entry.anchorMillis : now
            return .commit(.define(definition, anchorMillis: anchor), ())
        }
        wake.notifyAll()
    }

    public func deleteSchedule(_ name: String) async throws(WorkflowError) {
        try await perform { (s, _) throws(WorkflowError) -> Decision<Void> in
            guard s.schedules[name] != nil else { throw .scheduleNotFound(name) }
            return .commit(.remove(name), ())
        }
    }

    /// Every schedule with its next fire, sorted by name.
    public func schedules() -> [ScheduleStatus] {
        state.withLock { s in
            s.schedules.values.sorted { $0.definition.name < $1.definition.name }.map { entry in
                ScheduleStatus(definition: entry.definition, nextFireAt: entry.definition.enabled ? entry.nextFire() : nil,
                               lastScheduledAt: entry.lastScheduledAtMillis.map(Self.date), lastOutcome: entry.lastOutcome,
                               completed: entry.completed)
            }
        }
    }

    /// The next `count` fires of schedule `name` from now.
    public func nextFires(_ name: String, count: Int) throws(WorkflowError) -> [Date] {
        guard (1...100).contains(count) else { throw .validation("ask for 1 to 100 fires") }
        guard let entry = state.withLock({ $0.schedules[name] }) else { throw .scheduleNotFound(name) }
        var fires: [Date] = []
        var probe = entry
        while fires.count < count, let next = probe.nextFire() {
            fires.append(next)
            probe.lastScheduledAtMillis = Self.millis(next)
            if case .at = probe.definition.expression { break }
        }
        return fires
    }

    /// Fires that were given up on, oldest first.
    public func deadLetters() -> [ScheduleDeadLetter] {
        state.withLock { $0.deadLetters }
    }

    // MARK: Running

    /// Starts the loop that fires schedules as they come due (on the injected clock).
    public func start() {
        loop.withLock { task in
            guard task == nil else { return }
            task = Task { [weak self] in
                while !Task.isCancelled, let self {
                    let generation = wake.generation
                    await self.fireDue()
                    let now = self.clock.now()
                    let next = self.earliestPendingFire() ?? now.addingTimeInterval(3600)
                    await self.wake.wait(after: generation, until: max(next, now), clock: self.clock)
                }
            }
        }
    }

    /// Stops the loop and waits for fires in progress.
    public func stop() async {
        let task = loop.withLock { task in
            defer { task = nil }
            return task
        }
        task?.cancel()
        await task?.value
        // A fire waiting to retry is abandoned; it is not journaled, so it runs again after a restart.
        for fire in firing.withLock({ Array($0.values) }) { fire.cancel() }
        await waitForFires()
    }

    /// Stops, snapshots and closes the journal.
    /// What recovery found when the scheduler opened its journal.
    public var recoveryReport: RecoveryReport { journal.recoveryReport }

    public func close() async {
        guard await lifecycle.beginClosing() else { return }
        await stop()
        if journal.stats.bytesSinceSnapshot > 64 << 10 {
            _ = try? await journal.snapshot(of: state, appliedLSN: \.appliedLSN) { copy, writer throws(JournalError) in
                var w = ByteWriter()
                SchedulerCodec.writeSnapshot(copy, to: &w)
                try writer.write(w.bytes)
            }
        }
        journal.close()
    }

    /// Waits until every fire in progress (with its retries) has been handled.
    public func waitForFires() async {
        while true {
            let tasks = firing.withLock { Array($0.values) }
            guard !tasks.isEmpty else { return }
            for task in tasks { await task.value }
        }
    }

    /// The earliest due time of an enabled schedule that is not firing right now.
    func earliestPendingFire() -> Date? {
        let busy = firing.withLock { Set($0.keys) }
        return state.withLock { s in
            s.schedules.values.filter { $0.definition.enabled && !busy.contains($0.definition.name) }.compactMap { $0.nextFire() }.min()
        }
    }

    /// Starts a fire for every enabled schedule that is due and not already firing. Returns the names started.
    @discardableResult
    public func fireDue() async -> [String] {
        let now = clock.now()
        let due: [(ScheduleRecord, Date, [Date])] = state.withLock { s in
            s.schedules.values.compactMap { entry in
                guard entry.definition.enabled, let first = entry.nextFire(), first <= now else { return nil }
                // Every due time up to now; more than one means fires were missed.
                var times = [first]
                var probe = entry
                while times.count < 10_000 {
                    probe.lastScheduledAtMillis = Self.millis(times[times.count - 1])
                    guard let next = probe.nextFire(), next <= now else { break }
                    times.append(next)
                }
                return (entry, first, times)
            }
        }
        var started: [String] = []
        for (entry, _, times) in due {
            let name = entry.definition.name
            let claimed = firing.withLock { tasks -> Bool in
                guard tasks[name] == nil else { return false }
                tasks[name] = Task {}
                return true
            }
            guard claimed else { continue }
            let latest = times[times.count - 1]
            let onTime = now.timeIntervalSince(latest) <= Self.onTimeGraceSeconds
            let task = Task { [self] in
                await self.handle(entry.definition, scheduledAt: latest, skip: !onTime && entry.definition.missedFires == .skip, missed: times.count - 1)
                firing.withLock { $0[name] = nil }
                wake.notifyAll()
            }
            firing.withLock { $0[name] = task }
            started.append(name)
        }
        return started
    }

    /// Runs one fire with its retries and journals the outcome.
    private func handle(_ definition: ScheduleDefinition, scheduledAt: Date, skip: Bool, missed: Int) async {
        let policy = RetryPolicy(intervalSeconds: 1, backoffRate: 2, maxAttempts: definition.maximumRetryAttempts + 1,
                                 maxDelaySeconds: 60, jitter: .full)
        var outcome = "succeeded"
        var attempts = 0
        if skip {
            outcome = "skipped: \(missed + 1) fire(s) missed while stopped"
        } else {
            while true {
                if clock.now().timeIntervalSince(scheduledAt) > definition.maximumEventAge {
                    outcome = "dead-lettered: older than the maximum event age of \(Int(definition.maximumEventAge)) s"
                    break
                }
                attempts += 1
                do {
                    try await handler(ScheduledFire(schedule: definition.name, scheduledAt: scheduledAt, attempt: attempts))
                    break
                } catch {
                    guard attempts < policy.maxAttempts else {
                        outcome = "dead-lettered: \(error) after \(attempts) attempts"
                        break
                    }
                    do { try await clock.sleep(seconds: policy.delay(beforeAttempt: attempts + 1, random: random)) } catch {
                        // Stopping: the fire stays unhandled and runs again after a restart.
                        return
                    }
                }
            }
        }
        let name = definition.name
        let at = Self.millis(scheduledAt)
        let finalOutcome = outcome
        let count = attempts
        _ = try? await perform { (s, now) throws(WorkflowError) -> Decision<Void> in
            guard s.schedules[name] != nil else { return .answer((), observedLSN: 0) }
            return .commit(.handled(schedule: name, scheduledAtMillis: at, outcome: finalOutcome, attempts: count, atMillis: now), ())
        }
    }
}
