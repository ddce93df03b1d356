import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The model in service, swapped atomically and read without a lock: a reader loads a generation counter
/// (one atomic load) and, while it has not moved, uses the model its own thread cached; only the first
/// read on a thread after a swap takes the lock to fetch the new model. A reader always holds a strong
/// reference to the model it got, so a swap never frees a model in use.
public final class ModelSlot: Sendable {
    /// A thread's cached model. Reached only through that thread's pthread-specific slot, so only that
    /// thread ever touches it.
    private final class ThreadCache {
        var generation: UInt64
        var model: RecommendationModel?

        init(generation: UInt64, model: RecommendationModel?) {
            self.generation = generation
            self.model = model
        }
    }

    private let generation = Atomic<UInt64>(0)
    private let published = Mutex<RecommendationModel?>(nil)
    /// The per-thread slot; nil if the process ran out of thread-specific keys (then every read locks).
    private let key: pthread_key_t?

    public init(_ model: RecommendationModel? = nil) {
        var key = pthread_key_t()
        // On thread exit, the thread's cache (and its model reference) is released.
        let created = pthread_key_create(&key) { raw in
            if let raw { Unmanaged<AnyObject>.fromOpaque(raw).release() }
        }
        self.key = created == 0 ? key : nil
        published.withLock { $0 = model }
    }

    deinit {
        if let key { pthread_key_delete(key) }
    }

    /// Puts `model` in service from the next read on (nil: none).
    public func publish(_ model: RecommendationModel?) {
        published.withLock { $0 = model }
        generation.add(1, ordering: .releasing)
    }

    /// The model in service.
    public var current: RecommendationModel? {
        guard let key else { return published.withLock { $0 } }
        let now = generation.load(ordering: .acquiring)
        if let raw = pthread_getspecific(key) {
            let cache = Unmanaged<ThreadCache>.fromOpaque(raw).takeUnretainedValue()
            if cache.generation == now { return cache.model }
            cache.model = published.withLock { $0 }
            cache.generation = now
            return cache.model
        }
        let cache = ThreadCache(generation: now, model: published.withLock { $0 })
        pthread_setspecific(key, Unmanaged.passRetained(cache).toOpaque())
        return cache.model
    }
}
