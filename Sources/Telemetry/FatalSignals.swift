#if canImport(Glibc)
import Glibc
#endif

/// One line, on standard error and in the log, when the process dies of a fatal signal (SIGSEGV, SIGILL —
/// a Swift runtime trap —, SIGBUS, SIGABRT, SIGFPE, SIGTRAP): before, a crash left nothing in the log, and an
/// operator reading it could not tell a crash from a quiet exit.
///
/// The handler is async-signal-safe: it formats the time with integer arithmetic into memory prepared at
/// installation, writes with `write(2)`, then puts back the handler it replaced for a fault (the Swift
/// runtime's backtracer, when it is on) or the default action for a signal sent by another process, and
/// raises the signal again, so the process dies of it as it would have.
public enum FatalSignals {
    static let handled: [(number: Int32, name: StaticString, meaning: StaticString)] = [
        (SIGSEGV, "SIGSEGV", "invalid memory access"), (SIGILL, "SIGILL", "illegal instruction, as a Swift runtime trap raises"),
        (SIGBUS, "SIGBUS", "bus error"), (SIGABRT, "SIGABRT", "abort"), (SIGFPE, "SIGFPE", "arithmetic fault"),
        (SIGTRAP, "SIGTRAP", "trap"),
    ]

    /// Installs the handlers. `logDescriptor` receives the line besides standard error (none when the log is
    /// standard error itself); `json` writes it as the JSON log format does. Call once, early; later calls
    /// only change where the line goes.
    public static func install(logDescriptor: Int32?, json: Bool, label: String = "shopdeck") {
        let report = FatalSignalReport.shared
        report.prepare(logDescriptor: logDescriptor, json: json, label: label)
        prepareAlternateStack()
        for (index, signal) in handled.enumerated() {
            var action = sigaction()
            action.sa_flags = SA_SIGINFO | SA_ONSTACK
            sigemptyset(&action.sa_mask)
            action.__sigaction_handler.sa_sigaction = fatalSignalHandler
            var previous = sigaction()
            guard sigaction(signal.number, &action, &previous) == 0 else { continue }
            // Keep the first handler we replaced, not ourselves when installed again.
            if !report.installed { report.previous[index] = previous }
        }
        report.installed = true
    }

    /// Gives the calling thread a stack of its own for the handler, so that a stack overflow (a SIGSEGV on a
    /// full stack) can still be reported. Signal stacks are per thread: long-lived threads call this once.
    public static func prepareAlternateStack() {
        let size = 64 * 1024
        guard let memory = malloc(size) else { return }
        var stack = stack_t()
        stack.ss_sp = memory
        stack.ss_size = size
        stack.ss_flags = 0
        if sigaltstack(&stack, nil) != 0 { free(memory) }
    }
}

/// What the handler needs, allocated before any signal can arrive: it only reads this and writes into its
/// buffer. `@unchecked Sendable`: every field is written by `install` (at start-up, before the handlers are
/// in place or while they are replaced) and only read by the handler; the buffer is used by the handler only,
/// and a second fatal signal on another thread at the same moment may at worst interleave two lines.
final class FatalSignalReport: @unchecked Sendable {
    static let shared = FatalSignalReport()

    var logDescriptor: Int32 = -1
    var json = false
    var label: UnsafeMutablePointer<UInt8>
    var labelLength = 0
    var installed = false
    /// The handlers replaced, by index into `FatalSignals.handled`.
    let previous = UnsafeMutablePointer<sigaction>.allocate(capacity: FatalSignals.handled.count)
    let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: 1024)

    private init() {
        label = UnsafeMutablePointer<UInt8>.allocate(capacity: 64)
        // Until `install` replaces them, "previous" means the default action.
        previous.initialize(repeating: sigaction(), count: FatalSignals.handled.count)
    }

    func prepare(logDescriptor: Int32?, json: Bool, label text: String) {
        self.logDescriptor = logDescriptor ?? -1
        self.json = json
        let bytes = Array(text.utf8.prefix(64))
        for (index, byte) in bytes.enumerated() { label[index] = byte }
        labelLength = bytes.count
    }

    /// The line for `index` (into `FatalSignals.handled`) at `seconds`.`milliseconds`, into `buffer`; returns its length.
    func format(index: Int, seconds: Int64, milliseconds: Int64) -> Int {
        var line = LineWriter(buffer: buffer, capacity: 1024)
        let time = CivilTime(epochSeconds: seconds)
        let signal = FatalSignals.handled[index]
        if json { line.put(#"{"ts":""#) }
        line.number(time.year, width: 4); line.put("-"); line.number(time.month, width: 2); line.put("-"); line.number(time.day, width: 2)
        line.put("T"); line.number(time.hour, width: 2); line.put(":"); line.number(time.minute, width: 2); line.put(":")
        line.number(time.second, width: 2); line.put("."); line.number(milliseconds, width: 3); line.put("Z")
        line.put(json ? #"","level":"error","logger":""# : " error ")
        for offset in 0..<labelLength { line.put(label[offset]) }
        line.put(json ? #"","msg":"fatal signal "# : ": fatal signal ")
        line.put(signal.name); line.put(" ("); line.put(signal.meaning); line.put("); the process stops")
        if json { line.put(#""}"#) }
        line.put(UInt8(ascii: "\n"))
        return line.length
    }
}

/// Bytes into a fixed buffer, without allocating (a signal handler may not call malloc).
struct LineWriter {
    let buffer: UnsafeMutablePointer<UInt8>
    let capacity: Int
    var length = 0

    mutating func put(_ byte: UInt8) {
        guard length < capacity else { return }
        buffer[length] = byte
        length += 1
    }

    mutating func put(_ text: StaticString) {
        let start = text.utf8Start
        for offset in 0..<text.utf8CodeUnitCount { put(start[offset]) }
    }

    /// `value` (≥ 0) in decimal, zero-padded to `width` digits.
    mutating func number(_ value: Int64, width: Int) {
        var divisor: Int64 = 1
        for _ in 1..<max(width, 1) { divisor *= 10 }
        while divisor <= value / 10 { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            put(UInt8(truncatingIfNeeded: rest / divisor) + UInt8(ascii: "0"))
            rest %= divisor
            divisor /= 10
        }
    }
}

/// The handler itself: a plain function, so that it captures nothing.
private func fatalSignalHandler(_ number: Int32, _ info: UnsafeMutablePointer<siginfo_t>?, _ context: UnsafeMutableRawPointer?) {
    let report = FatalSignalReport.shared
    var found: Int?
    for index in 0..<FatalSignals.handled.count where FatalSignals.handled[index].number == number { found = index }
    guard let index = found else { return }
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    let length = report.format(index: index, seconds: Int64(now.tv_sec), milliseconds: Int64(now.tv_nsec) / 1_000_000)
    _ = write(STDERR_FILENO, report.buffer, length)
    if report.logDescriptor >= 0, report.logDescriptor != STDERR_FILENO { _ = write(report.logDescriptor, report.buffer, length) }
    // The handler we replaced takes a fault from here (the Swift runtime's backtracer prints where it
    // happened); a signal another process sent gets the default action, because the backtracer was seen to
    // hang for minutes on one, and a service that hangs instead of dying is never restarted. The signal is
    // blocked while this handler runs, so it is delivered again as soon as we return.
    let fault = (info?.pointee.si_code ?? 0) > 0
    var next = fault ? report.previous[index] : sigaction()
    sigaction(number, &next, nil)
    raise(number)
}
