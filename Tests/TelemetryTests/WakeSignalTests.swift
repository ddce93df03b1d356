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
}
