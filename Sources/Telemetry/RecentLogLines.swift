import Foundation
import Synchronization

/// The latest application log lines in memory — what the shop said about itself (a pipeline run started by
/// its schedule, a queue redriven, a fire claimed elsewhere) — for the console's log view. The access log's
/// lines (one per request, written in batches) are not kept: they would push everything else out within a
/// second. Bounded: a ring of `capacity` lines.
public final class RecentLogLines: Sendable {
    public struct Line: Sendable, Equatable {
        public var at: Date
        public var level: LogLevel
        public var label: String
        /// The message and its fields, as the log file has them after the level and label.
        public var text: String
    }

    public let capacity: Int
    private let state = Mutex<(lines: [Line], next: Int)>(([], 0))

    public init(capacity: Int = 1000) {
        self.capacity = max(1, capacity)
    }

    func record(_ line: Line) {
        state.withLock { s in
            if s.lines.count < capacity { s.lines.append(line) } else { s.lines[s.next] = line }
            s.next = (s.next + 1) % capacity
        }
    }

    /// The lines `keep` accepts, oldest first, at most `limit` (the newest of them).
    public func lines(limit: Int, where keep: (Line) -> Bool = { _ in true }) -> [Line] {
        let ordered = state.withLock { s in s.lines.count < capacity ? s.lines : Array(s.lines[s.next...] + s.lines[..<s.next]) }
        return Array(ordered.filter(keep).suffix(limit))
    }
}
