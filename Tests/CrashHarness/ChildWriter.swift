import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs the `crash-writer` child, kills it with SIGKILL after it has reported some acknowledged operations,
/// and returns every whole line it wrote — all of which were acknowledged before the kill.
public enum ChildWriter {
    /// Where `swift build` put `crash-writer`: next to the test bundle.
    public static var path: String {
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: me).deletingLastPathComponent().appendingPathComponent("crash-writer").path
    }

    public struct Outcome {
        /// Whole lines the child wrote before it died.
        public var lines: [Substring]
        /// Whether it said "ready".
        public var becameReady: Bool
        /// Lines counted when the kill was sent.
        public var linesAtKill: Int
    }

    /// Starts `crash-writer arguments…`, waits for "ready" and then for more than `killAfter` lines, and kills it.
    /// A watchdog kills a child that stops talking for a minute (the outcome then shows too few lines).
    public static func runAndKill(_ arguments: [String], killAfter: Int) throws -> Outcome {
        let child = try Child(arguments, killAfterSeconds: 60)
        var text = ""
        var lines = 0
        var ready = false
        while let piece = child.read() {
            text += piece
            if !ready, text.contains("ready\n") { ready = true }
            lines += piece.filter { $0 == "\n" }.count
            if ready, lines > killAfter {
                kill(child.pid, SIGKILL)
                break
            }
        }
        // Whatever reached the pipe before the kill was acknowledged before it.
        while let rest = child.read() { text += rest }
        _ = child.wait()
        var all = text.split(separator: "\n", omittingEmptySubsequences: true)
        // A line is written with one write(2); a last line without its newline was never fully sent.
        if !text.hasSuffix("\n"), !all.isEmpty { all.removeLast() }
        return Outcome(lines: all, becameReady: ready, linesAtKill: lines)
    }

    /// Runs `crash-writer arguments…` to the end and returns its output lines and exit status.
    public static func runToEnd(_ arguments: [String]) throws -> (lines: [Substring], status: Int32) {
        let child = try Child(arguments, killAfterSeconds: 120)
        var text = ""
        while let piece = child.read() { text += piece }
        let status = child.wait()
        return (text.split(separator: "\n"), status)
    }

    /// The child on `posix_spawn`, its standard output on a pipe. Not Foundation's `Process`: launching with
    /// it took the test process down inside `Process.run` (a bad-pointer `memcpy`) in 4 of 10 full runs on
    /// 2026-12-06, even with launches serialised. A watchdog — a safety net, not synchronisation — kills a
    /// child still running after `killAfterSeconds`.
    final class Child {
        let pid: pid_t
        private let output: Int32
        private let watchdog: DispatchWorkItem

        init(_ arguments: [String], killAfterSeconds: Double) throws {
            var fds: [Int32] = [0, 0]
            guard pipe(&fds) == 0 else { throw POSIXError(.EMFILE) }
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_addclose(&actions, fds[0])
            posix_spawn_file_actions_addclose(&actions, fds[1])
            let path = ChildWriter.path
            let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
            defer { for pointer in argv { free(pointer) } }
            var spawned: pid_t = 0
            let result = argv.withUnsafeBufferPointer { posix_spawn(&spawned, path, &actions, nil, $0.baseAddress!, environ) }
            close(fds[1])
            guard result == 0 else {
                close(fds[0])
                throw POSIXError(POSIXErrorCode(rawValue: result) ?? .ENOENT)
            }
            pid = spawned
            output = fds[0]
            let watched = spawned
            watchdog = DispatchWorkItem { kill(watched, SIGKILL) }
            DispatchQueue.global().asyncAfter(deadline: .now() + killAfterSeconds, execute: watchdog)
        }

        /// The next bytes the child wrote, or nil at end of output.
        func read() -> String? {
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = buffer.withUnsafeMutableBytes { Glibc.read(output, $0.baseAddress, $0.count) }
                if count < 0, errno == EINTR { continue }
                return count > 0 ? String(decoding: buffer[..<count], as: UTF8.self) : nil
            }
        }

        /// Waits for the child to exit and returns its exit status (128 + signal when killed).
        func wait() -> Int32 {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0, errno == EINTR {}
            // Cancelled once reaped; the watchdog firing in the microseconds between would signal a pid the
            // kernel has not had time to reuse.
            watchdog.cancel()
            close(output)
            let signal = status & 0x7f
            return signal == 0 ? (status >> 8) & 0xff : 128 + signal
        }
    }

    /// Rounds for crash tests: `SHOPDECK_CRASH_ROUNDS`, or 20.
    public static var rounds: Int { Int(ProcessInfo.processInfo.environment["SHOPDECK_CRASH_ROUNDS"] ?? "") ?? 20 }
}
