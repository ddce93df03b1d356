import Foundation
import Synchronization

/// Severity of a log line.
public enum LogLevel: Int, Sendable, Comparable, CaseIterable {
    case debug, info, warning, error

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The name written into log lines.
    public var name: String {
        switch self {
        case .debug: "debug"
        case .info: "info"
        case .warning: "warning"
        case .error: "error"
        }
    }
}

/// How log lines are written.
public enum LogFormat: String, Sendable, CaseIterable {
    /// `2026-01-01T00:00:00.000Z info store: opened items=12`
    case text
    /// One JSON object per line.
    case json
}

/// Where finished log lines go.
public protocol LogSink: Sendable {
    /// Writes one line (without its trailing newline).
    func write(line: String)
    /// Writes newline-terminated UTF-8 lines at once; sinks that can should do it in one operation.
    func write(text: [UInt8])
}

extension LogSink {
    public func write(text: [UInt8]) {
        for line in text.split(separator: UInt8(ascii: "\n")) { write(line: String(decoding: line, as: UTF8.self)) }
    }
}

/// Writes lines to standard output, one whole line per write so concurrent lines never interleave.
public struct StandardOutputSink: LogSink {
    public init() {}

    public func write(line: String) {
        write(text: Array((line + "\n").utf8))
    }

    /// One `write` for the whole batch, so a busy access log costs one system call per batch.
    public func write(text: [UInt8]) {
        FileLogSink.write(text, to: STDOUT_FILENO)
    }
}

/// Appends lines to a file (the console's log, which must not draw over the screen).
public final class FileLogSink: LogSink {
    /// The open file, for what must write without the logger (the fatal-signal line).
    public let descriptor: Int32

    /// Opens (creating, mode 0600) `path` for appending.
    public init(path: String) throws(LogFileError) {
        descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw LogFileError(path: path, reason: String(cString: strerror(errno))) }
    }

    deinit { close(descriptor) }

    public func write(line: String) {
        write(text: Array((line + "\n").utf8))
    }

    public func write(text: [UInt8]) {
        Self.write(text, to: descriptor)
    }

    /// The bytes, in as few `write` calls as the descriptor takes.
    static func write(_ bytes: [UInt8], to descriptor: Int32) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Foundation.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }
}

/// Why a log file could not be opened.
public struct LogFileError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "cannot open the log file \(path): \(reason)" }
}

/// Keeps lines in memory; for tests and for the console's event strip.
public final class MemoryLogSink: LogSink {
    private let stored = Mutex<[String]>([])

    public init() {}

    public func write(line: String) { stored.withLock { $0.append(line) } }

    /// Every line written so far.
    public var lines: [String] { stored.withLock { $0 } }
}

/// A structured logger: a message plus key-value metadata, as text or JSON.
///
/// Metadata keys that name secrets (`authorization`, `password`, `token`, `secret`, `cookie`, `api-key`)
/// are always written as `[redacted]`, so a careless call site cannot leak a credential into a log.
public struct Logger: Sendable {
    public let label: String
    public let minimumLevel: LogLevel
    public let format: LogFormat
    private let sink: any LogSink
    private let clock: any WallClock
    /// Where the latest lines are also kept, for the console's log view (nil: nowhere).
    public let recent: RecentLogLines?

    public init(label: String, minimumLevel: LogLevel = .info, format: LogFormat = .text,
                sink: any LogSink = StandardOutputSink(), clock: any WallClock = SystemClock(), recent: RecentLogLines? = nil) {
        self.label = label
        self.minimumLevel = minimumLevel
        self.format = format
        self.sink = sink
        self.clock = clock
        self.recent = recent
    }

    /// The same logger under another label (one per component).
    public func labeled(_ label: String) -> Logger {
        Logger(label: label, minimumLevel: minimumLevel, format: format, sink: sink, clock: clock, recent: recent)
    }

    public func debug(_ message: @autoclosure () -> String, _ metadata: [String: String] = [:]) {
        log(.debug, message(), metadata)
    }

    public func info(_ message: @autoclosure () -> String, _ metadata: [String: String] = [:]) {
        log(.info, message(), metadata)
    }

    public func warning(_ message: @autoclosure () -> String, _ metadata: [String: String] = [:]) {
        log(.warning, message(), metadata)
    }

    public func error(_ message: @autoclosure () -> String, _ metadata: [String: String] = [:]) {
        log(.error, message(), metadata)
    }

    /// Writes one line at `level` if the level is enabled.
    public func log(_ level: LogLevel, _ message: @autoclosure () -> String, _ metadata: [String: String] = [:]) {
        guard level >= minimumLevel else { return }
        let fields = metadata.sorted { $0.key < $1.key }.map { (key: $0.key, value: Self.isSecret($0.key) ? "[redacted]" : $0.value) }
        let now = clock.now(), text = message()
        sink.write(line: line(level, text, fields: fields, timestamp: Self.timestamp(now)))
        if let recent {
            let shown = fields.isEmpty ? text : text + " " + fields.map { "\($0.key)=\(Self.textValue($0.value))" }.joined(separator: " ")
            recent.record(.init(at: now, level: level, label: label, text: shown))
        }
    }

    /// One line in this logger's format, without redaction (`log` redacts before it calls this), with
    /// `timestamp` from `Logger.timestamp`.
    public func line(_ level: LogLevel, _ message: String, fields: [(key: String, value: String)], timestamp: String) -> String {
        var bytes: [UInt8] = []
        appendLine(level, message, fields: fields, timestamp: timestamp, to: &bytes)
        bytes.removeLast()
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `line(…)` and a newline to `buffer`, without redaction: for callers that log only fields they
    /// know to be safe and batch their lines as bytes (the HTTP access log — building each line as a string
    /// and copying it again cost 3.4 % of the server's CPU under wrk).
    public func appendLine(_ level: LogLevel, _ message: String, fields: [(key: String, value: String)], timestamp: String,
                           to buffer: inout [UInt8]) {
        switch format {
        case .text:
            buffer.appendUTF8(timestamp)
            buffer.append(UInt8(ascii: " "))
            buffer.appendUTF8(level.name)
            buffer.append(UInt8(ascii: " "))
            buffer.appendUTF8(label)
            buffer.appendUTF8(": ")
            buffer.appendUTF8(TextSafety.escaped(Self.singleLine(message)))
            for field in fields {
                buffer.append(UInt8(ascii: " "))
                buffer.appendUTF8(field.key)
                buffer.append(UInt8(ascii: "="))
                buffer.appendUTF8(Self.textValue(field.value))
            }
        case .json:
            var line = "{\"ts\":\(JSONText.quoted(timestamp)),\"level\":\(JSONText.quoted(level.name)),"
            line += "\"logger\":\(JSONText.quoted(label)),\"msg\":\(JSONText.quoted(message))"
            for field in fields { line += ",\(JSONText.quoted(field.key)):\(JSONText.quoted(field.value))" }
            buffer.appendUTF8(line)
            buffer.append(UInt8(ascii: "}"))
        }
        buffer.append(UInt8(ascii: "\n"))
    }

    /// Writes lines made by `appendLine(…)` in one batch.
    public func write(text: [UInt8]) {
        guard !text.isEmpty else { return }
        sink.write(text: text)
    }

    static func isSecret(_ key: String) -> Bool {
        let lowered = key.lowercased()
        return ["authorization", "password", "passwd", "token", "secret", "cookie", "api-key", "apikey", "x-api-key"]
            .contains { lowered.contains($0) }
    }

    static func textValue(_ value: String) -> String {
        // Most values (routes, statuses, addresses, ids) are printable ASCII without a space, quote or `=`:
        // checked on the bytes, they need no quotes. Going by Characters cost about a tenth of the server's
        // CPU on `GET /healthz` (perf, 2026-12-06: `line` 18.7 % of all samples, `textValue` 8.4 %).
        if !value.isEmpty, value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "=") }) { return value }
        let needsQuotes = value.isEmpty || value.contains { $0 == " " || $0 == "\"" || $0 == "=" || $0.isNewline }
            || value.unicodeScalars.contains(where: TextSafety.isControlOrFormat)
        return needsQuotes ? JSONText.quoted(value) : value
    }

    static func singleLine(_ text: String) -> String {
        // ASCII without a line break (LF, VT, FF, CR) is one line already: checked on the bytes.
        if text.utf8.allSatisfy({ $0 < 0x80 && !(0x0A...0x0D).contains($0) }) { return text }
        return text.contains(where: \.isNewline) ? String(text.map { $0.isNewline ? " " : $0 }) : text
    }

    /// RFC 3339 UTC with milliseconds, as every line carries it.
    public static func timestamp(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        let seconds = milliseconds.floorDivided(by: 1000)
        let civil = CivilTime(epochSeconds: seconds)
        func pad(_ n: Int64, _ width: Int) -> String {
            let digits = String(n)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(civil.year, 4))-\(pad(civil.month, 2))-\(pad(civil.day, 2))T\(pad(civil.hour, 2)):\(pad(civil.minute, 2)):\(pad(civil.second, 2)).\(pad(milliseconds - seconds * 1000, 3))Z"
    }
}

/// JSON string quoting (RFC 8259 §7), for log lines and other small hand-written documents.
public enum JSONText {
    /// `text` as a JSON string literal, quotes included.
    public static func quoted(_ text: String) -> String {
        var out = "\""
        out.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            // Controls as JSON requires, and DEL, C1 and format characters too: a log line must not carry an
            // escape sequence or a bidirectional override to whoever reads it in a terminal.
            case _ where TextSafety.isControlOrFormat(scalar):
                // JSON escapes UTF-16 code units: a format character beyond the BMP (the tag characters
                // U+E0001–U+E007F, for one) is a surrogate pair. Padding its five hex digits to four crashed
                // `serve` on `GET /api/products/%F3%A0%81%90`, whose 404 quotes the id (schemathesis found it).
                for unit in String(scalar).utf16 { appendEscape(unit, to: &out) }
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
        return out
    }

    /// `\uXXXX` for one UTF-16 code unit.
    private static func appendEscape(_ unit: UInt16, to out: inout String) {
        let digits: [Character] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "a", "b", "c", "d", "e", "f"]
        out += "\\u"
        for shift in stride(from: 12, through: 0, by: -4) { out.append(digits[Int(unit >> UInt16(shift)) & 0xF]) }
    }
}
