import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A child process on a pseudo-terminal of a given size, as an operator's terminal would run it: the
/// benchmark types into it and times what it draws. A reader thread drains the terminal continuously
/// (a full terminal would stall the child) and keeps when each chunk arrived and how large it was.
final class PseudoTerminal: Sendable {
    struct Chunk: Sendable {
        /// Monotonic nanoseconds when the chunk was read.
        var at: UInt64
        var bytes: Int
    }

    /// TIOCSPTLCK and TIOCGPTN (`_IOW('T', 0x31, int)`, `_IOR('T', 0x30, unsigned int)`) and glibc's
    /// POSIX_SPAWN_SETSID: macros Swift does not import.
    private static let setPTYLock: UInt = 0x4004_5431
    private static let getPTYNumber: UInt = 0x8004_5430
    private static let spawnNewSession: Int16 = 0x80

    let pid: pid_t
    private let master: Int32
    private let chunks = Mutex<[Chunk]>([])
    private let reader = DispatchSemaphore(value: 0)
    /// The child's wait status once reaped; `stop` reaps once (a second `waitpid` or `close` would act on
    /// whatever reuses the pid or descriptor, and the reader's semaphore is signalled only once).
    private let exitStatus = Mutex<Int32?>(nil)

    /// Starts `arguments` (the first is the executable's path) on a new terminal of `columns`×`rows`, in
    /// its own session so the terminal is its controlling one, with `environment` added to this process's.
    init(_ arguments: [String], columns: Int, rows: Int, environment: [String: String]) throws {
        // posix_openpt, unlockpt and ptsname sit behind _XOPEN_SOURCE, which Swift's Glibc module does not
        // define; on Linux they are /dev/ptmx and two ioctls, whose numbers are fixed by the kernel's ABI.
        master = open("/dev/ptmx", O_RDWR | O_NOCTTY)
        var unlock: Int32 = 0
        var number: UInt32 = 0
        guard master >= 0, ioctl(master, Self.setPTYLock, &unlock) == 0, ioctl(master, Self.getPTYNumber, &number) == 0 else {
            throw RuntimeFailure(description: "cannot open a pseudo-terminal: \(String(cString: strerror(errno)))")
        }
        let slavePath = "/dev/pts/\(number)"
        var size = winsize(ws_row: UInt16(rows), ws_col: UInt16(columns), ws_xpixel: 0, ws_ypixel: 0)
        _ = ioctl(master, UInt(TIOCSWINSZ), &size)

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // Opened after setsid in the child, so the terminal becomes its controlling terminal.
        posix_spawn_file_actions_addopen(&actions, 0, slavePath, O_RDWR, 0)
        posix_spawn_file_actions_adddup2(&actions, 0, 1)
        posix_spawn_file_actions_adddup2(&actions, 0, 2)
        posix_spawn_file_actions_addclose(&actions, master)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The child starts with no signal blocked, whatever this thread blocks: `run` must hear SIGTERM.
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Self.spawnNewSession | Int16(POSIX_SPAWN_SETSIGMASK))
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var child: pid_t = 0
        let spawned = posix_spawn(&child, arguments[0], &actions, &attributes, argv, envp)
        guard spawned == 0 else {
            close(master)
            throw RuntimeFailure(description: "cannot start \(arguments[0]): \(String(cString: strerror(spawned)))")
        }
        pid = child
        let thread = Thread { [self] in drain() }
        thread.name = "pty-reader"
        thread.start()
    }

    private func drain() {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = read(master, &buffer, buffer.count)
            if count > 0 {
                let now = DispatchTime.now().uptimeNanoseconds
                chunks.withLock { $0.append(Chunk(at: now, bytes: count)) }
                continue
            }
            if count < 0, errno == EINTR { continue }
            break  // EIO: the child closed the terminal
        }
        reader.signal()
    }

    /// Types `bytes` as if from the keyboard.
    func type(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
    }

    /// Chunks read since `start` (monotonic nanoseconds).
    func chunks(since start: UInt64) -> [Chunk] {
        chunks.withLock { all in all.filter { $0.at >= start } }
    }

    /// Bytes read in `[start, end)`.
    func bytes(from start: UInt64, to end: UInt64) -> Int {
        chunks.withLock { all in all.reduce(0) { $0 + ($1.at >= start && $1.at < end ? $1.bytes : 0) } }
    }

    /// Forgets the chunks so far (long runs would otherwise keep every one).
    func forget() {
        chunks.withLock { $0.removeAll(keepingCapacity: true) }
    }

    /// The child's CPU time (user + system) so far, in seconds, from /proc.
    var cpuSeconds: Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // Fields after the command name: state is field 3; utime and stime are fields 14 and 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// The child's resident set, in MB, from /proc.
    var residentMegabytes: Double? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "") else { return nil }
        return kilobytes / 1024
    }

    /// Sends `signal` and waits for the child to exit (SIGKILL after `seconds`); returns its wait status.
    /// Safe to call again: later calls return the first call's status.
    @discardableResult
    func stop(signal: Int32 = SIGTERM, seconds: Double = 10) -> Int32 {
        exitStatus.withLock { known in
            if let known { return known }
            kill(pid, signal)
            let status = finish(exited(within: seconds) ?? killed())
            known = status
            return status
        }
    }

    /// Waits up to `seconds` for the child to exit on its own (after a quit key, say); true if it did.
    func waitForExit(seconds: Double) -> Bool {
        exitStatus.withLock { known in
            if known != nil { return true }
            guard let status = exited(within: seconds) else { return false }
            known = finish(status)
            return true
        }
    }

    /// The child's wait status once it has exited, polling for at most `seconds`; nil if it is still running.
    private func exited(within seconds: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            if Date() > deadline { return nil }
            usleep(20_000)
        }
        return status
    }

    /// SIGKILL, then the wait status.
    private func killed() -> Int32 {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        return status
    }

    /// After the reap: the reader has drained the terminal, and its descriptor is closed once.
    private func finish(_ status: Int32) -> Int32 {
        reader.wait()
        Glibc.close(master)
        return status
    }
}
