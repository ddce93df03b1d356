import Synchronization

/// The closed flag and the background housekeeping task every long-lived component has.
public final class ComponentLifecycle: Sendable {
    private let closed = Atomic<Bool>(false)
    private let maintenance = Mutex<Task<Void, Never>?>(nil)

    public init() {}

    /// Whether `beginClosing` has been called.
    public var isClosed: Bool { closed.load(ordering: .acquiring) }

    /// Runs `work` every `interval` seconds of `clock` time until closing (or until `work` returns false).
    public func startMaintenance(every interval: Double, clock: any WallClock, _ work: @escaping @Sendable () async -> Bool) {
        let task = repeatEvery(interval, clock: clock, work)
        maintenance.withLock { $0 = task }
    }

    /// Marks the component closed and stops its housekeeping, waiting for a pass in progress.
    /// Returns false if it was already closed.
    public func beginClosing() async -> Bool {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return false }
        let task = maintenance.withLock { task in
            defer { task = nil }
            return task
        }
        task?.cancel()
        await task?.value
        return true
    }
}
