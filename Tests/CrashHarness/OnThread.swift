import Foundation

/// Runs blocking work — waiting on a child process, reading its pipes — on a thread of its own, off the
/// cooperative pool. The pool has one thread per core (two here), and the test runner starts every suite at
/// once: a crash test that blocked a pool thread for its twenty rounds of children left every other suite's
/// servers and tasks one thread.
///
/// `body` must not record expectations: it runs outside the test's task, so Swift Testing could not tell
/// which test they belong to. Return what the test should check instead.
public func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread {
            do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
        }.start()
    }
}
