import Dispatch
import Foundation
import Testing
@testable import WAF

/// Inputs found to crash or stall inspection (issue 16): each must be inspected, not fatal, and cost time
/// linear in its length.
@Suite struct HostileInputTests {
    private static func inspectEverywhere(_ value: String) -> [WAFVerdict] {
        let waf = WebApplicationFirewall()
        let encoded = value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? value
        return [
            waf.inspect(method: "GET", target: "/api/products?q=" + encoded, headers: [], body: [], clientIP: "192.0.2.1"),
            waf.inspect(method: "GET", target: "/api/products", headers: [("User-Agent", value)], body: [], clientIP: "192.0.2.1"),
            waf.inspect(method: "POST", target: "/api/cart/items", headers: [("Content-Type", "application/json")],
                        body: Array(#"{"productId":"\#(value.replacingOccurrences(of: "\"", with: "\\\""))"}"#.utf8), clientIP: "192.0.2.1"),
        ]
    }

    /// Found: a value ending in `/*!` made the SQL lexer slice an inverted range (SIGILL). Harmless on its
    /// own, it is let through wherever it arrives.
    @Test(arguments: ["/*!", "a/*!", "/*!5", "/*!50000", "1 /*!", "/*!*/", "/*!/*!", "shoes /*!"])
    func anExecutableCommentOpenerAtTheEndIsInspected(_ value: String) {
        #expect(Self.inspectEverywhere(value) == [.allow, .allow, .allow], "\(value)")
    }

    /// …and an injection that ends in one is still caught.
    @Test(arguments: ["1 union select 1,2 /*!", "' or 1=1 /*!50000", "x' union all select password from users/*!"])
    func anInjectionEndingInAnOpenerIsCaught(_ value: String) {
        for verdict in Self.inspectEverywhere(value) {
            guard case .block(let rule, _) = verdict else { Issue.record("\(value) passed"); continue }
            #expect(rule == "sqli")
        }
    }

    /// Found: ten thousand `/*!` openers recursed once each (SIGSEGV); now they are lexed in place.
    @Test func tenThousandNestedExecutableCommentsAreInspected() {
        let value = String(repeating: "/*!", count: 10_000)
        #expect(SQLLexer.tokens(Array(value.utf8)).isEmpty)
        let waf = WebApplicationFirewall()
        _ = waf.inspect(method: "POST", target: "/api/events", headers: [("Content-Type", "text/plain")], body: Array(value.utf8), clientIP: "192.0.2.1")
    }

    /// Executable comments still run as code, nested or not.
    @Test(arguments: ["1 /*!50000UNION*/ /*!50000SELECT*/ 1,2", "1 /*!UNION/*!SELECT*/*/ 1,2", "/*!/*!/*! 1 union select 1,2"])
    func executableCommentsAreStillReadAsCode(_ value: String) {
        #expect(SQLInjectionDetector.inspect(Array(value.utf8))?.shape == "union-select", "\(value)")
    }

    /// Repeated pieces of the detectors' grammars: unclosed tags, separators, quotes, calls, comments,
    /// escapes. Before issue 16, `<a ` took 4–8 s at 64 KB, and `&`, `|` and backticks 1.4–2.6 s.
    static let adversarialUnits = ["<a ", "&", "|", "`", "'", "\"", "(", "/*!", "/*", "<", "<style ", "' onx", "\\'", "'\\", "char(",
                                   " or f(", "$(", ";", "../", "..", "%", "&#", "\\x", "+ADw-", "' -", "'))", "a=", "on", " onclick",
                                   "&& more ", "; net ", "union ", "select ", "<a/", "\"/", "javascript:", "'||'", "@", "0x2e", "\u{FF0E}",
                                   " and (", " or -", "case when 1=1 ", "iif((1=1,", "(1=1)*", " having ", "';call f(", ".'\"(", " and 2+",
                                   "top['", "[]!+(", "constructor'", "settimeout`"]

    /// CPU seconds this thread spends inspecting `value` with every detector, the best of `rounds`. CPU time
    /// rather than wall time: on a loaded machine (CI, the other tests) a longer run is preempted more often,
    /// and wall time once made a linear detector look 20× slower at 64 KB.
    static func inspectionSeconds(_ value: [UInt8], rounds: Int = 3) -> Double {
        var best = Double.infinity
        for _ in 0..<rounds {
            let started = threadCPUSeconds()
            for attack in AttackClass.allCases { _ = Detectors.detector(attack)(value) }
            best = min(best, threadCPUSeconds() - started)
        }
        return best
    }

    /// One measurement at a time: 49 busy threads would starve the server threads of the suite's HTTP tests
    /// as surely as a full cooperative pool does.
    static let measuring = NSLock()

    /// Runs `body` on a new thread, one such body at a time, and returns its result, leaving the
    /// cooperative pool free meanwhile.
    static func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: measuring.withLock { body() }) }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    static func threadCPUSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    static func repeated(_ unit: String, toBytes size: Int) -> [UInt8] {
        let bytes = Array(unit.utf8)
        return Array((0..<(size / bytes.count + 1)).lazy.flatMap { _ in bytes }.prefix(size))
    }

    /// Linear, not quadratic: eight times the input may cost about eight times the time; quadratic work
    /// would cost 64 times. The bound is 16× so that a busy machine's noise cannot fail a linear detector.
    ///
    /// Measured on a thread of its own: 49 cases of seconds of CPU each would otherwise hold every thread of
    /// the cooperative pool, and the suite's HTTP tests, whose handlers run there, time out waiting (seen in CI).
    @Test(arguments: adversarialUnits)
    func inspectionCostGrowsLinearlyWithTheValue(_ unit: String) async {
        let (smallSeconds, largeSeconds) = await Self.onOwnThread { () -> (Double, Double) in
            let small = Self.repeated(unit, toBytes: 8 << 10), large = Self.repeated(unit, toBytes: 64 << 10)
            return (max(Self.inspectionSeconds(small), 20e-6), Self.inspectionSeconds(large))
        }
        #expect(largeSeconds <= 16 * smallSeconds,
                "\(unit.debugDescription) × 64 KB took \(largeSeconds * 1e3) ms, × 8 KB \(smallSeconds * 1e3) ms: \(largeSeconds / smallSeconds)×")
    }
}

@Suite struct ExcerptTests {
    /// Found by the fuzzer: SQL findings gave token indices as byte offsets, so the excerpt an operator reads
    /// showed text far from the evidence.
    @Test func aFindingsExcerptShowsTheEvidence() throws {
        let padding = String(repeating: "word ", count: 60)
        let view = RequestView(method: "GET", target: "/api/products?q=" + padding.replacingOccurrences(of: " ", with: "+") + "1+UNION+SELECT+1,2--",
                               headers: [], body: [])
        let detection = try #require(Detectors.inspect(view))
        #expect(detection.attack == .sqli)
        #expect(detection.excerpt.lowercased().contains("union select"), "\(detection.excerpt)")
    }
}
