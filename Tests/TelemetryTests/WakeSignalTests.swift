import Foundation
import Testing
import Telemetry

@Suite struct WakeSignalTests {
    @Test func aWaiterWakesOnNotify() async {
        let signal = WakeSignal()
        let clock = ManualClock()
        let seen = signal.generation
        let waiter = Task { await signal.wait(after: seen, until: clock.now().addingTimeInterval(60), clock: clock) }
        while clock.sleeperCount == 0 { await Task.yield() }
        signal.notifyAll()
        await waiter.value
        #expect(signal.generation == seen + 1)
    }

    @Test func aNotifyBeforeTheWaitIsNotLost() async {
        let signal = WakeSignal()
        let clock = ManualClock()
        let seen = signal.generation
        signal.notifyAll()
        // Returns at once: the generation moved after `seen` was read.
        await signal.wait(after: seen, until: clock.now().addingTimeInterval(60), clock: clock)
    }

    @Test func theWaitEndsAtTheDeadline() async {
        let signal = WakeSignal()
        let clock = ManualClock()
        let waiter = Task { await signal.wait(after: signal.generation, until: clock.now().addingTimeInterval(5), clock: clock) }
        while clock.sleeperCount == 0 { await Task.yield() }
        clock.advance(by: 5)
        await waiter.value
        #expect(signal.generation == 0)
    }

    /// One message, one worker: `notify(waking: 1)` resumes one of three waiters and leaves two asleep; a
    /// larger count wakes the rest, and a wait that read the generation before either returns at once.
    @Test func notifyWakesOnlyAsManyAsAsked() async {
        let signal = WakeSignal()
        let clock = ManualClock()
        let seen = signal.generation
        let waiters = (0..<3).map { _ in Task { await signal.wait(after: seen, until: clock.now().addingTimeInterval(60), clock: clock) } }
        while signal.waiterCount < 3 { await Task.yield() }
        signal.notify(waking: 1)
        #expect(signal.waiterCount == 2)
        #expect(signal.generation == seen + 1)
        await signal.wait(after: seen, until: clock.now().addingTimeInterval(60), clock: clock)  // the generation moved: no sleep
        signal.notify(waking: 5)
        #expect(signal.waiterCount == 0)
        for waiter in waiters { await waiter.value }
    }
}
