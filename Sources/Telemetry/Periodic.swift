/// Runs `work` every `interval` seconds of `clock` time until the returned task is cancelled or `work`
/// returns false. With a `ManualClock`, tests move time and the work follows.
public func repeatEvery(_ interval: Double, clock: any WallClock, _ work: @escaping @Sendable () async -> Bool) -> Task<Void, Never> {
    Task.detached {
        while !Task.isCancelled {
            do { try await clock.sleep(seconds: interval) } catch { return }
            guard await work() else { return }
        }
    }
}
