import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `posix_spawn`, its standard output and error on pipes, every other
/// descriptor of the test process closed in it.
///
/// Not Foundation's `Process`: on Linux it emulates close-on-exec by adding one close action per descriptor
/// up to the highest open one, and with the test process holding some 1,400 descriptors (servers, journals
/// and sockets of suites running in parallel) it took the whole test run down inside `Process.run` — a
/// bad-pointer `memcpy` — in 6 of 12 full runs on 2026-12-06. Here the pipes are created close-on-exec and
/// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+) closes the rest in one action, so a child
/// never holds another test's pipe, socket or data-directory lock.
public final class SpawnedChild: Sendable {
    public let pid: pid_t
    private let output: Int32
    private let errors: Int32
    /// Set once the child is reaped: the watchdog must not signal a pid the kernel may reuse.
    private let reaped = Flag()

    private final class Flag: Sendable {
        let value = Atomic<Bool>(false)
    }

    /// Starts `path arguments…` with `environment` (the test's own when nil); its standard error goes to
    /// /dev/null unless `capturingErrors` (then read it, or a chatty child blocks on the full pipe). A
    /// watchdog — a safety net, not synchronisation — kills a child still running after `killAfterSeconds`.
    public init(_ path: String, _ arguments: [String], environment: [String: String]? = nil, capturingErrors: Bool = true,
                killAfterSeconds: Double? = nil) throws {
        var out: [Int32] = [0, 0], err: [Int32] = [0, 0]
        guard pipe(&out) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EMFILE) }
        guard pipe(&err) == 0 else {
            close(out[0]); close(out[1])
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EMFILE)
        }
        // Close-on-exec for children other threads spawn meanwhile (Glibc's module does not declare pipe2).
        for descriptor in out + err { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 clears close-on-exec on the target, so the child keeps exactly 0, 1 and 2.
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, out[1], 1)
        if capturingErrors {
            posix_spawn_file_actions_adddup2(&actions, err[1], 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        }
        if let closeFrom = Self.closeFrom { _ = closeFrom(&actions, 3) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group, as Foundation did: a signal meant for the test run does not reach it. And a
        // clean signal state: posix_spawn keeps the spawning thread's mask, and a test thread that blocks
        // SIGTERM would hand a child that never hears it (moto ran to its watchdog that way).
        var noSignals = sigset_t(), allSignals = sigset_t()
        sigemptyset(&noSignals)
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let environmentLines = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environmentLines.map { strdup($0) } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var spawned: pid_t = 0
        let result = argv.withUnsafeBufferPointer { arguments in
            envp.withUnsafeBufferPointer { posix_spawn(&spawned, path, &actions, &attributes, arguments.baseAddress!, $0.baseAddress!) }
        }
        close(out[1])
        close(err[1])
        guard result == 0 else {
            close(out[0]); close(err[0])
            throw POSIXError(POSIXErrorCode(rawValue: result) ?? .ENOENT)
        }
        pid = spawned
        output = out[0]
        errors = err[0]
        if let killAfterSeconds {
            let watched = spawned
            DispatchQueue.global().asyncAfter(deadline: .now() + killAfterSeconds) { [reaped] in
                if !reaped.value.load(ordering: .acquiring) { kill(watched, SIGKILL) }
            }
        }
    }

    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// glibc's `posix_spawn_file_actions_addclosefrom_np`, which Swift's Glibc module does not declare.
    private static let closeFrom: CloseFrom? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: CloseFrom.self)
    }()

    /// The next bytes the child wrote to standard output, or nil at its end.
    public func readOutput() -> [UInt8]? { Self.read(output) }

    /// The next bytes the child wrote to standard error, or nil at its end.
    public func readError() -> [UInt8]? { Self.read(errors) }

    /// Standard output to its end, as text.
    public func outputToEnd() -> String { Self.readToEnd(output) }

    /// Standard error to its end, as text.
    public func errorToEnd() -> String { Self.readToEnd(errors) }

    /// Runs `path arguments…` to its end: its exit status, standard output and standard error. Standard error
    /// drains on a thread of its own, so a child that fills one pipe while the other is read does not wait forever.
    public static func run(_ path: String, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let child = try SpawnedChild(path, arguments)
        let errors = Mutex<[UInt8]>([]), ended = DispatchSemaphore(value: 0)
        Thread {
            while let piece = child.readError() { errors.withLock { $0 += piece } }
            ended.signal()
        }.start()
        let stdout = child.outputToEnd()
        ended.wait()
        return (child.wait(), stdout, errors.withLock { String(decoding: $0, as: UTF8.self) })
    }

    private static func read(_ descriptor: Int32) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            return count > 0 ? Array(buffer[..<count]) : nil
        }
    }

    private static func readToEnd(_ descriptor: Int32) -> String {
        var bytes: [UInt8] = []
        while let piece = read(descriptor) { bytes += piece }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Waits for the child to exit and returns its exit status, or 128 + the signal that killed it.
    public func wait() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        reaped.value.store(true, ordering: .releasing)
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    deinit {
        close(output)
        close(errors)
    }
}
