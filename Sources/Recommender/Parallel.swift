import Foundation
import Synchronization

/// One result slot per parallel task: each task writes its own slot once, the caller reads them all after
/// `concurrentPerform` returns.
final class ResultSlots<Value: Sendable>: Sendable {
    private let slots: Mutex<[Value?]>

    init(count: Int) {
        slots = Mutex([Value?](repeating: nil, count: count))
    }

    func set(_ index: Int, _ value: Value) {
        slots.withLock { $0[index] = value }
    }

    /// Every slot's value, in slot order (tasks that wrote nothing are skipped).
    var values: [Value] { slots.withLock { $0.compactMap { $0 } } }
}

/// Runs `body(part, range)` over `0..<count` split into at most `threads` contiguous ranges, one per thread.
func parallelRanges(_ count: Int, threads: Int, _ body: @Sendable (_ part: Int, _ range: Range<Int>) -> Void) {
    let parts = max(1, min(threads, count))
    DispatchQueue.concurrentPerform(iterations: parts) { part in
        body(part, (count * part / parts)..<(count * (part + 1) / parts))
    }
}
