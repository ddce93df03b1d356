#if canImport(Glibc)
import Glibc
#endif

/// Shared mutable state behind a plain (non-priority-inheriting) pthread mutex.
///
/// `Synchronization.Mutex` on Linux is a priority-inheritance futex, whose contended path goes through
/// the kernel's rt-mutex code; on the journal and store hot paths, where a few threads hand the lock
/// back and forth every few microseconds, that path cost a large share of the CPU (measured with
/// `perf` under `shopdeck bench store`). An adaptive pthread mutex spins briefly before sleeping instead.
@usableFromInline package final class LockedState<Value>: @unchecked Sendable {
    // Safety: `value` is only reachable through `withLock`, which holds `mutex` for the whole access,
    // so no two threads ever touch it at once; the mutex itself lives at a stable heap address for the
    // object's lifetime and is destroyed only in deinit, when no other reference can exist.
    @usableFromInline let mutex: UnsafeMutablePointer<pthread_mutex_t>
    @usableFromInline var value: Value

    package init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        var attributes = pthread_mutexattr_t()
        pthread_mutexattr_init(&attributes)
        pthread_mutexattr_settype(&attributes, Int32(PTHREAD_MUTEX_ADAPTIVE_NP))
        pthread_mutex_init(mutex, &attributes)
        pthread_mutexattr_destroy(&attributes)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with exclusive access to the value.
    @inlinable
    package func withLock<Result, Failure: Error>(_ body: (inout Value) throws(Failure) -> Result) throws(Failure) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
