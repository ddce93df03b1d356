import CNcursesw
#if canImport(Glibc)
import Glibc
#endif

/// Why the terminal could not be taken over.
public struct TerminalError: Error, CustomStringConvertible {
    public let description: String
}

/// The only code that calls ncursesw: takes the terminal over (wide characters, colours when wanted, keys
/// with a 25 ms Escape delay), draws a `Canvas` by writing just the cells that changed since the last frame,
/// reads keys, and gives the terminal back as it found it — on exit, and from a signal handler on a crash.
/// Used from one thread only (the console's).
public final class Terminal {
    private var previous: Canvas?
    private let colour: Bool
    private var pairs: [Int: Int16] = [:]
    private var restored = false

    public private(set) var width: Int
    public private(set) var height: Int

    public init(colour: Bool) throws(TerminalError) {
        setlocale(LC_ALL, "")
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            throw TerminalError(description: "the console needs a terminal: standard input and output must be a TTY (use 'shopdeck serve' without one)")
        }
        guard initscr() != nil else { throw TerminalError(description: "cannot initialise the terminal (is TERM set?)") }
        cbreak()
        noecho()
        nonl()
        shopdeck_keypad(1)
        curs_set(0)
        set_escdelay(25)
        self.colour = colour && has_colors()
        if self.colour {
            start_color()
            use_default_colors()
        }
        // Without this first refresh, the first wgetch clears what was drawn.
        refresh()
        width = Int(shopdeck_cols())
        height = Int(shopdeck_lines())
        Terminal.installCrashRestore()
    }

    deinit { restore() }

    /// Gives the terminal back (idempotent).
    public func restore() {
        guard !restored else { return }
        restored = true
        endwin()
    }

    /// Draws `canvas`, writing only the rows' changed spans (everything after a resize).
    public func draw(_ canvas: Canvas) {
        let changes = canvas.changes(since: previous)
        if previous == nil || previous?.width != canvas.width || previous?.height != canvas.height { clear() }
        for change in changes {
            var x = change.from
            // A changed cell covered by a wide grapheme on its left is redrawn from that grapheme.
            if x > 0, canvas[x, change.y].text.isEmpty { x -= 1 }
            while x <= change.to {
                let cell = canvas[x, change.y]
                if !cell.text.isEmpty { put(cell, x: x, y: change.y) }
                x += 1
            }
        }
        refresh()
        previous = canvas
    }

    private func put(_ cell: Cell, x: Int, y: Int) {
        var attributes = shopdeck_a_normal()
        if cell.style.bold { attributes |= shopdeck_a_bold() }
        if cell.style.dim { attributes |= shopdeck_a_dim() }
        if cell.style.reverse { attributes |= shopdeck_a_reverse() }
        if cell.style.underline { attributes |= shopdeck_a_underline() }
        let pair = colour ? self.pair(cell.style.foreground, cell.style.background) : 0
        var characters = cell.text.unicodeScalars.map { wchar_t(bitPattern: $0.value) }
        characters.append(0)
        _ = shopdeck_put(Int32(y), Int32(x), characters, attributes, pair)
    }

    /// A colour pair for the combination, created the first time it is used (default colours as -1).
    private func pair(_ foreground: Color?, _ background: Color?) -> Int16 {
        guard foreground != nil || background != nil else { return 0 }
        let key = Int(foreground?.rawValue ?? 9) * 16 + Int(background?.rawValue ?? 9)
        if let known = pairs[key] { return known }
        let next = Int16(pairs.count + 1)
        guard Int32(next) < shopdeck_color_pairs() else { return 0 }
        init_pair(next, foreground.map { Int16($0.rawValue) } ?? -1, background.map { Int16($0.rawValue) } ?? -1)
        pairs[key] = next
        return next
    }

    /// The next key, waiting at most `milliseconds`; nil if none came. A resize is reported as a key.
    public func readKey(milliseconds: Int32) -> Key? {
        timeout(milliseconds)
        var character: wint_t = 0
        let result = get_wch(&character)
        if result == shopdeck_err() { return nil }
        if result == shopdeck_key_code_yes() {
            switch Int32(character) {
            case shopdeck_key_resize():
                width = Int(shopdeck_cols())
                height = Int(shopdeck_lines())
                previous = nil
                return .resize(width: width, height: height)
            case shopdeck_key_up(): return .up
            case shopdeck_key_down(): return .down
            case shopdeck_key_ppage(): return .pageUp
            case shopdeck_key_npage(): return .pageDown
            case shopdeck_key_home(): return .home
            case shopdeck_key_end(): return .end
            case shopdeck_key_btab(): return .backTab
            case shopdeck_key_enter(): return .enter
            case shopdeck_key_backspace(): return .backspace
            default: return nil
            }
        }
        switch character {
        case 9: return .tab
        case 10, 13: return .enter
        case 27: return .escape
        case 8, 127: return .backspace
        default:
            guard let scalar = Unicode.Scalar(UInt32(character)), character >= 32 else { return nil }
            return .character(Character(scalar))
        }
    }

    /// On a crash (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT) the terminal is given back before the process
    /// dies, so the operator's shell is usable afterwards.
    private static func installCrashRestore() {
        for signalNumber in [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT] {
            signal(signalNumber) { received in
                endwin()
                signal(received, SIG_DFL)
                raise(received)
            }
        }
    }
}
