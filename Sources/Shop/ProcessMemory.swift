#if canImport(Glibc)
import Glibc
#endif

/// How the process hands freed memory back to the system. glibc's malloc keeps freed blocks for reuse,
/// and two of its habits made a long-running shop look like it leaked (the demo grew ~10 MB a minute,
/// 355 → 552 MB over 20 minutes of retraining every 3 minutes, with only 13–35 MB of it in use):
/// - once a large block served by `mmap` is freed, the size above which blocks are mmapped rises to that
///   block's size (up to 32 MB), so every later training matrix and export buffer is carved from a malloc
///   arena instead, and its pages stay with that arena after it is freed;
/// - each thread that allocates may get an arena of its own, and heavy jobs ran on whichever GCD thread was
///   free, so each run could leave its peak in another arena (they now run on `HeavyWorkThreads`, and what
///   they free is handed back with `giveBack`).
///
/// Both functions look the C library's entry points up at run time (`dlsym`): Swift's Glibc module does not
/// import `malloc.h`, and on a C library without them they do nothing.
public enum ProcessMemory {
    /// `mallopt`'s parameter for the mmap threshold (`M_MMAP_THRESHOLD` in `malloc.h`).
    private static let mmapThresholdParameter: Int32 = -3
    private static let trimAddress: Int = symbol("malloc_trim")
    private static let malloptAddress: Int = symbol("mallopt")

    private static func symbol(_ name: String) -> Int {
        dlsym(nil, name).map { Int(bitPattern: $0) } ?? 0
    }

    /// Serves every allocation of at least `bytes` with its own mapping, returned to the system the moment it
    /// is freed, and stops malloc from raising that bound on its own. For long-running commands; call it
    /// once, early. Returns whether the C library took the setting.
    @discardableResult
    public static func returnLargeBlocksAtOnce(above bytes: Int32 = 256 * 1024) -> Bool {
        guard let pointer = UnsafeRawPointer(bitPattern: malloptAddress) else { return false }
        let mallopt = unsafeBitCast(pointer, to: (@convention(c) (Int32, Int32) -> Int32).self)
        return mallopt(mmapThresholdParameter, bytes) == 1
    }

    /// Returns free pages of every malloc arena to the system, after heavy work that freed a lot.
    static func giveBack() {
        guard let pointer = UnsafeRawPointer(bitPattern: trimAddress) else { return }
        let trim = unsafeBitCast(pointer, to: (@convention(c) (Int) -> Int32).self)
        _ = trim(0)
    }
}
