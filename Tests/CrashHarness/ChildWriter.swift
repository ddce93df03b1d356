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
        let (process, pipe, watchdog) = try launch(arguments, killAfterSeconds: 60)
        defer { watchdog.cancel() }
        let reader = pipe.fileHandleForReading
        var text = ""
        var lines = 0
        var ready = false
        while true {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            let piece = String(decoding: chunk, as: UTF8.self)
            text += piece
            if !ready, text.contains("ready\n") { ready = true }
            lines += piece.filter { $0 == "\n" }.count
            if ready, lines > killAfter {
                kill(process.processIdentifier, SIGKILL)
                break
            }
        }
        // Whatever reached the pipe before the kill was acknowledged before it.
        while true {
            let rest = reader.availableData
            if rest.isEmpty { break }
            text += String(decoding: rest, as: UTF8.self)
        }
        process.waitUntilExit()
        var all = text.split(separator: "\n", omittingEmptySubsequences: true)
        // A line is written with one write(2); a last line without its newline was never fully sent.
        if !text.hasSuffix("\n"), !all.isEmpty { all.removeLast() }
        return Outcome(lines: all, becameReady: ready, linesAtKill: lines)
    }

    /// Runs `crash-writer arguments…` to the end and returns its output lines and exit status.
    public static func runToEnd(_ arguments: [String]) throws -> (lines: [Substring], status: Int32) {
        let (process, pipe, watchdog) = try launch(arguments, killAfterSeconds: 120)
        defer { watchdog.cancel() }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (String(decoding: data, as: UTF8.self).split(separator: "\n"), process.terminationStatus)
    }

    /// One `Process.run` at a time across the crash suites: launches from several test threads at once took
    /// the test process down inside Foundation's `Process.run` (a bad-pointer `memcpy`, 3 of 4 full runs on
    /// 2026-12-06; none in the runs after this lock).
    private static let launching = NSLock()

    /// Starts the child with its output on a pipe, and a watchdog — a safety net, not synchronisation —
    /// that kills it if it is still running after `killAfterSeconds`.
    private static func launch(_ arguments: [String], killAfterSeconds: Double) throws -> (Process, Pipe, DispatchWorkItem) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try launching.withLock { try process.run() }
        let watchdog = DispatchWorkItem { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        DispatchQueue.global().asyncAfter(deadline: .now() + killAfterSeconds, execute: watchdog)
        return (process, pipe, watchdog)
    }

    /// Rounds for crash tests: `SHOPDECK_CRASH_ROUNDS`, or 20.
    public static var rounds: Int { Int(ProcessInfo.processInfo.environment["SHOPDECK_CRASH_ROUNDS"] ?? "") ?? 20 }
}
