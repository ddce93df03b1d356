import Foundation
import FuzzSupport
import Testing
@testable import Telemetry

@Suite struct LoggerTests {
    let clock = ManualClock(start: Date(timeIntervalSince1970: 1_767_225_600.25))

    @Test func textLinesCarryTimeLevelLabelAndSortedMetadata() {
        let sink = MemoryLogSink()
        let logger = Logger(label: "store", sink: sink, clock: clock)
        logger.info("opened", ["items": "12", "dir": "/tmp/a b"])
        logger.debug("not shown")
        #expect(sink.lines == ["2026-01-01T00:00:00.250Z info store: opened dir=\"/tmp/a b\" items=12"])
    }

    @Test func jsonLinesAreValidJSONWithEscapes() throws {
        let sink = MemoryLogSink()
        let logger = Logger(label: "http", minimumLevel: .debug, format: .json, sink: sink, clock: clock)
        logger.warning("weird \"input\"\n\u{1}", ["path": "/a\\b"])
        let object = try JSONSerialization.jsonObject(with: Data(sink.lines[0].utf8)) as? [String: String]
        #expect(object?["msg"] == "weird \"input\"\n\u{1}")
        #expect(object?["path"] == "/a\\b")
        #expect(object?["level"] == "warning")
        #expect(object?["ts"] == "2026-01-01T00:00:00.250Z")
    }

    @Test func secretsAreRedactedInEveryFormat() {
        for format in LogFormat.allCases {
            let sink = MemoryLogSink()
            let logger = Logger(label: "auth", format: format, sink: sink, clock: clock)
            logger.info("sign-in", ["Authorization": "Bearer abc123", "password": "hunter2", "user": "ann"])
            #expect(!sink.lines[0].contains("abc123"))
            #expect(!sink.lines[0].contains("hunter2"))
            #expect(sink.lines[0].contains("ann"))
        }
    }

    @Test func civilTimeMatchesKnownDates() {
        #expect(Logger.timestamp(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(Logger.timestamp(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29T00:00:00.000Z")
        #expect(Logger.timestamp(Date(timeIntervalSince1970: -1)) == "1969-12-31T23:59:59.000Z")
        #expect(Logger.timestamp(Date(timeIntervalSince1970: 4_102_444_799.999)) == "2099-12-31T23:59:59.999Z")
    }
}

@Suite struct LogEscapingTests {
    @Test(arguments: [LogFormat.text, .json])
    func controlAndFormatCharactersNeverReachALogLineRaw(_ format: LogFormat) {
        let sink = MemoryLogSink()
        let logger = Logger(label: "t", format: format, sink: sink, clock: ManualClock())
        logger.warning("sign-in failed for \u{1B}[2J\u{202E}x", ["email": "a\u{1B}]0;t\u{7}b", "note": "\u{85}c\u{200B}d\u{7F}"])
        let line = try! #require(sink.lines.first)
        #expect(!line.unicodeScalars.contains { TextSafety.isControlOrFormat($0) }, "\(line.debugDescription)")
        #expect(line.contains("1B") || line.contains("1b"))
    }

    @Test func escapingShowsWhatWasThere() {
        #expect(TextSafety.escaped("a\u{1B}b\u{202E}c") == "a\\u{1B}b\\u{202E}c")
        #expect(TextSafety.escaped("plain: é ü 日本") == "plain: é ü 日本")
    }
}

/// The byte-level fast paths of the log line (`textValue`, `singleLine`, `TextSafety.escaped`) against the
/// rules they shortcut, written out the slow way: random strings over an alphabet of the characters that
/// matter (quotes, `=`, spaces, every kind of line break, controls, format characters, non-ASCII).
@Suite struct LogTextFastPathTests {
    static let alphabet: [String] = ["a", "Z", "0", "/", "-", ":", "%", " ", "\"", "=", "\\", "\n", "\r", "\u{0B}", "\u{0C}", "\t", "\u{85}",
                                     "\u{2028}", "\u{2029}", "\u{1B}", "\u{7F}", "\u{202E}", "\u{200B}", "é", "日", "🙂", "\r\n",
                                     // Format characters beyond the BMP: quoting one crashed serve (schemathesis found it).
                                     "\u{E0001}", "\u{E0050}", "\u{1D173}", "\u{110BD}"]

    @Test func fastPathsAgreeWithTheRulesTheyShortcut() {
        let seed = UInt64.random(in: 1...UInt64.max)
        print("LogTextFastPathTests seed \(seed)")
        var generator = FuzzGenerator(seed: seed)
        for _ in 0..<20_000 {
            let text = (0..<generator.int(0...7)).map { _ in generator.pick(Self.alphabet) }.joined()
            let needsQuotes = text.isEmpty || text.contains { $0 == " " || $0 == "\"" || $0 == "=" || $0.isNewline }
                || text.unicodeScalars.contains(where: TextSafety.isControlOrFormat)
            #expect(Logger.textValue(text) == (needsQuotes ? JSONText.quoted(text) : text), "seed \(seed): \(text.debugDescription)")
            #expect(Logger.singleLine(text) == String(text.map { $0.isNewline ? " " : $0 }), "seed \(seed): \(text.debugDescription)")
            let escapedSlowly = text.unicodeScalars.contains(where: TextSafety.isControlOrFormat) ? nil : text
            if let escapedSlowly { #expect(TextSafety.escaped(text) == escapedSlowly, "seed \(seed): \(text.debugDescription)") }
        }
    }
}


/// `JSONText.quoted` against a JSON parser we did not write (Foundation's): any string, its scalars drawn from
/// every plane, must come back unchanged. Before, a format character beyond the BMP was escaped with five hex
/// digits padded to four — a negative count, and `serve` died on the 404 that quoted it.
@Suite struct JSONTextTests {
    @Test func quotedTextReadsBackThroughFoundationsParser() throws {
        let seed = UInt64.random(in: 1...UInt64.max)
        print("JSONTextTests seed \(seed)")
        var generator = FuzzGenerator(seed: seed)
        for _ in 0..<5_000 {
            var text = ""
            for _ in 0..<generator.int(0...12) {
                // Half from the planes' start, where controls and format characters cluster; half anywhere.
                let value = generator.int(0...1) == 0 ? UInt32(generator.int(0...0x2FFF)) : UInt32(generator.int(0...0x10FFFF))
                let plane = generator.int(0...3) == 0 ? UInt32(0xE0000) : 0
                if let scalar = Unicode.Scalar(plane == 0 ? value : plane + value % 0x80) { text.unicodeScalars.append(scalar) }
            }
            let quoted = JSONText.quoted(text)
            let decoded = try JSONSerialization.jsonObject(with: Data(quoted.utf8), options: [.fragmentsAllowed]) as? String
            #expect(decoded == text, "seed \(seed): \(text.unicodeScalars.map { String($0.value, radix: 16) }) quoted as \(quoted)")
            #expect(!quoted.unicodeScalars.contains { TextSafety.isControlOrFormat($0) }, "seed \(seed): a raw control or format character in \(quoted)")
        }
        #expect(JSONText.quoted("\u{E0050}") == "\"\\udb40\\udc50\"")
    }
}

@Suite struct RecentLogLinesTests {
    /// The console's log view reads the shop's own lines, redacted as the file has them; the access log's
    /// batched lines are not kept, and the ring holds at most its capacity.
    @Test func theLatestApplicationLinesAreKeptRedactedAndBounded() {
        let recent = RecentLogLines(capacity: 3)
        let logger = Logger(label: "core", sink: MemoryLogSink(), clock: ManualClock(), recent: recent)
        logger.info("pipeline started", ["runId": "r1", "token": "s3cret"])
        logger.labeled("broker").warning("redriven")
        logger.debug("below the level")
        var batch: [UInt8] = []
        logger.appendLine(.info, "GET / 200", fields: [], timestamp: "t", to: &batch)
        logger.write(text: batch)
        #expect(recent.lines(limit: 10).map(\.text) == ["pipeline started runId=r1 token=[redacted]", "redriven"])
        #expect(recent.lines(limit: 10).map(\.label) == ["core", "broker"])
        for index in 0..<5 { logger.error("e\(index)") }
        #expect(recent.lines(limit: 10).map(\.text) == ["e2", "e3", "e4"], "oldest first, the ring's capacity at most")
        #expect(recent.lines(limit: 1) .map(\.text) == ["e4"])
        #expect(recent.lines(limit: 10) { $0.text.hasSuffix("3") }.map(\.text) == ["e3"])
    }
}
