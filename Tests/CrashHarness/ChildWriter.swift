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

    public struct Outcome: Sendable {
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

    /// `crash-writer` as a spawned child, its output read as text.
    struct Child {
        let spawned: SpawnedChild
        var pid: pid_t { spawned.pid }

        init(_ arguments: [String], killAfterSeconds: Double) throws {
            spawned = try SpawnedChild(ChildWriter.path, arguments, capturingErrors: false, killAfterSeconds: killAfterSeconds)
        }

        /// The next bytes the child wrote, or nil at end of output.
        func read() -> String? { spawned.readOutput().map { String(decoding: $0, as: UTF8.self) } }

        /// Waits for the child to exit and returns its exit status (128 + signal when killed).
        func wait() -> Int32 { spawned.wait() }
    }

    /// Rounds for crash tests: `SHOPDECK_CRASH_ROUNDS`, or 20.
    public static var rounds: Int { Int(ProcessInfo.processInfo.environment["SHOPDECK_CRASH_ROUNDS"] ?? "") ?? 20 }
}
