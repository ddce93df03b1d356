import Foundation

/// Seeded, structure-aware fuzzing for the test suite: each parser's test supplies its grammar's pieces, and
/// `FuzzGenerator` mixes them with generic hostile input. Every run prints its seed; the same seed gives the
/// same inputs, so a failure — or a crash, which ends the test process — is replayed with
/// `SHOPDECK_FUZZ_SEED=<seed>`. `SHOPDECK_FUZZ_CASES=<n>` runs n cases per parser instead of the test's
/// default (CI keeps the default small; `assets/fuzz/run-long.sh` runs long).
public enum Fuzz {
    /// Runs `body` for the configured number of cases with one generator; returns the seed used.
    @discardableResult
    public static func run(_ name: String, defaultCases: Int, _ body: (inout FuzzGenerator, Int) throws -> Void) rethrows -> UInt64 {
        let environment = ProcessInfo.processInfo.environment
        let seed = environment["SHOPDECK_FUZZ_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 1...UInt64.max)
        let cases = environment["SHOPDECK_FUZZ_CASES"].flatMap(Int.init) ?? defaultCases
        print("fuzz \(name): seed \(seed), \(cases) cases (replay with SHOPDECK_FUZZ_SEED=\(seed))")
        var generator = FuzzGenerator(seed: seed)
        for index in 0..<cases { try body(&generator, index) }
        return seed
    }

    /// Pieces that break parsers of every kind: unterminated and nested delimiters, escapes cut short,
    /// executable comments, controls, invalid UTF-8, numbers no type holds.
    public static let hostilePieces: [[UInt8]] = {
        let text = ["/*", "*/", "/*!", "/*!50000", "--", "#", "'", "\"", "`", "\\", "\\u", "\\x", "(", ")", "[", "]", "{", "}", "<", ">", "</",
                    "<!--", "-->", "&", "&#", "&#x", "&lt", ";", ":", ",", "=", "==", "%", "%2", "%25", "%u", "%c0%ae", "%00", "+", "..", "../",
                    "/", "\r\n", "\n", "\r", "\t", " ", "\u{0}", "\u{1B}[", "\u{202E}", "\u{FEFF}", "99999999999999999999999999999", "-0",
                    "1e400", "1.5", "NaN", "0x", "$(", "${", "|", "||", "&&", "*", "?", "@", "@@", "!", "~", "^"]
        let invalidUTF8: [[UInt8]] = [[0xC0, 0x80], [0xFF], [0xFE], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0x80], [0xC3]]
        return text.map { Array($0.utf8) } + invalidUTF8
    }()
}

/// SplitMix64 with the helpers a fuzzer needs.
public struct FuzzGenerator: RandomNumberGenerator {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    public mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }
    public mutating func chance(_ probability: Double) -> Bool { Double.random(in: 0..<1, using: &self) < probability }
    public mutating func pick<T>(_ values: [T]) -> T { values[int(0...(values.count - 1))] }

    /// Up to `maximum` bytes: a mix of `pieces` (the grammar's own), `Fuzz.hostilePieces`, random bytes,
    /// printable text, and now and then one piece repeated hundreds or thousands of times.
    public mutating func bytes(pieces: [String], maximum: Int = 512) -> [UInt8] {
        let grammar = pieces.map { Array($0.utf8) }
        var output: [UInt8] = []
        let parts = int(0...24)
        for _ in 0..<parts {
            switch int(0...9) {
            case 0...3 where !grammar.isEmpty: output += pick(grammar)
            case 4, 5: output += pick(Fuzz.hostilePieces)
            case 6: output += (0..<int(0...12)).map { _ in UInt8.random(in: 0...255, using: &self) }
            case 7: output += (0..<int(1...12)).map { _ in UInt8.random(in: 0x20...0x7E, using: &self) }
            case 8 where chance(0.3):
                let piece = chance(0.5) && !grammar.isEmpty ? pick(grammar) : pick(Fuzz.hostilePieces)
                for _ in 0..<int(100...3000) { output += piece }
            default: output += pick(grammar.isEmpty ? Fuzz.hostilePieces : grammar)
            }
            if output.count >= maximum { break }
        }
        return Array(output.prefix(maximum))
    }

    /// `bytes(pieces:maximum:)` as text (invalid UTF-8 repaired, as a client's string would arrive).
    public mutating func string(pieces: [String], maximum: Int = 512) -> String {
        String(decoding: bytes(pieces: pieces, maximum: maximum), as: UTF8.self)
    }

    /// `bytes` cut into 1 to 8 chunks at random points: for parsers fed incrementally.
    public mutating func chunks(_ bytes: [UInt8]) -> [[UInt8]] {
        guard bytes.count > 1 else { return [bytes] }
        var cuts = Set((0..<int(0...7)).map { _ in int(1...(bytes.count - 1)) })
        cuts.insert(bytes.count)
        var start = 0
        return cuts.sorted().map { end in
            defer { start = end }
            return Array(bytes[start..<end])
        }
    }
}
