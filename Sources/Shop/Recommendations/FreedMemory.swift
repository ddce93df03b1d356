#if canImport(Glibc)
import Glibc
#endif

/// Gives the memory that heavy work freed back to the system. glibc keeps freed blocks in per-thread
/// arenas; training and export aggregation run on GCD threads — often another thread, and so another arena,
/// each run — and every run's peak stayed resident: the demo grew by about 10 MB a minute (355 → 552 MB over
/// 20 minutes of retraining every 3 minutes) until a `malloc_trim(0)` brought a 308 MB process back to 145 MB.
enum FreedMemory {
    /// `malloc_trim`'s address (Swift's Glibc module does not import it), or 0 on a C library without it.
    private static let trimAddress: Int = dlsym(nil, "malloc_trim").map { Int(bitPattern: $0) } ?? 0

    /// Returns free pages of every malloc arena to the system; a no-op where there is no `malloc_trim`.
    static func giveBack() {
        guard let pointer = UnsafeRawPointer(bitPattern: trimAddress) else { return }
        let trim = unsafeBitCast(pointer, to: (@convention(c) (Int) -> Int32).self)
        _ = trim(0)
    }
}
