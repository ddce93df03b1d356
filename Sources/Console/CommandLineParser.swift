import Dashboard
import Foundation

/// The `:` command line: `block CIDR [ttl] [reason…]`, `unblock CIDR`, `unblock-all [source=NAME]
/// [within=CIDR]`, `allow CIDR [reason…]`, `disallow CIDR`, `rerun recommendations [failAt=STEP]`, `split
/// PERCENT` (the A/B split), `redrive QUEUE`, `scenario NAME`, `rate N`, `pause`, `quit` — with Tab completion of command, step, scenario and
/// queue names.
public enum CommandLineParser {
    public struct Problem: Error, Equatable {
        public var message: String
    }

    public static let commands = ["block", "unblock", "unblock-all", "allow", "disallow", "rerun", "split", "redrive", "scenario", "rate", "pause", "quit"]
    /// The simulator rates `rate` accepts, in actions per second (the simulator's own bounds).
    public static let rateRange = 0.5...2000.0

    public static func parse(_ text: String) -> Result<ConsoleCommand, Problem> {
        let words = text.split(separator: " ").map(String.init)
        guard let name = words.first else { return .failure(Problem(message: "type a command: \(commands.joined(separator: ", "))")) }
        let rest = Array(words.dropFirst())
        switch name {
        case "block":
            guard let cidr = rest.first else { return .failure(Problem(message: "usage: block CIDR [ttl] [reason…]")) }
            var reasonWords = Array(rest.dropFirst())
            var ttl: Int?
            if let first = reasonWords.first, let seconds = seconds(first) {
                ttl = seconds
                reasonWords.removeFirst()
            }
            let reason = reasonWords.isEmpty ? "blocked from the console" : reasonWords.joined(separator: " ")
            return .success(.perform(.block(cidr: cidr, reason: reason, ttlSeconds: ttl)))
        case "unblock":
            guard rest.count == 1 else { return .failure(Problem(message: "usage: unblock CIDR")) }
            return .success(.perform(.unblock(cidr: rest[0])))
        case "unblock-all":
            var source: String?, within: String?
            for word in rest {
                if word.hasPrefix("source=") { source = String(word.dropFirst(7)) } else if word.hasPrefix("within=") { within = String(word.dropFirst(7)) } else {
                    return .failure(Problem(message: "usage: unblock-all [source=NAME] [within=CIDR]"))
                }
            }
            guard source != nil || within != nil else { return .failure(Problem(message: "usage: unblock-all [source=NAME] [within=CIDR] (one or both)")) }
            return .success(.perform(.unblockMatching(source: source, within: within)))
        case "allow":
            guard let cidr = rest.first else { return .failure(Problem(message: "usage: allow CIDR [reason…]")) }
            let reason = rest.count > 1 ? rest.dropFirst().joined(separator: " ") : "allowlisted from the console"
            return .success(.perform(.allow(cidr: cidr, reason: reason)))
        case "disallow":
            guard rest.count == 1 else { return .failure(Problem(message: "usage: disallow CIDR")) }
            return .success(.perform(.disallow(cidr: rest[0])))
        case "rerun":
            guard rest.first == "recommendations" else { return .failure(Problem(message: "usage: rerun recommendations [failAt=STEP]")) }
            guard rest.count <= 2 else { return .failure(Problem(message: "usage: rerun recommendations [failAt=STEP]")) }
            guard rest.count == 2 else { return .success(.perform(.rerunPipeline(failAt: nil))) }
            let step = rest[1].hasPrefix("failAt=") ? String(rest[1].dropFirst(7)) : ""
            guard ConsoleModel.pipelineSteps.contains(step) else {
                return .failure(Problem(message: "failAt must be one of \(ConsoleModel.pipelineSteps.joined(separator: ", "))"))
            }
            return .success(.perform(.rerunPipeline(failAt: step)))
        case "split":
            guard rest.count == 1, let percent = Int(rest[0].hasSuffix("%") ? String(rest[0].dropLast()) : rest[0]), (0...50).contains(percent) else {
                return .failure(Problem(message: "usage: split PERCENT — 0 to 50 % of shoppers stay on the earlier model version; 0 ends the split"))
            }
            return .success(.perform(.splitShoppers(percent: percent)))
        case "redrive":
            guard rest.count == 1 else { return .failure(Problem(message: "usage: redrive QUEUE")) }
            return .success(.perform(.redrive(queue: rest[0])))
        case "scenario":
            guard rest.count == 1, ConsoleModel.scenarios.contains(rest[0]) else {
                return .failure(Problem(message: "usage: scenario \(ConsoleModel.scenarios.joined(separator: "|"))"))
            }
            return .success(.setScenario(rest[0]))
        case "rate":
            guard rest.count == 1, let value = Double(rest[0]), rateRange.contains(value) else {
                return .failure(Problem(message: "usage: rate N — simulator actions per second, 0.5 to 2000"))
            }
            return .success(.setRate(value))
        case "pause": return rest.isEmpty ? .success(.togglePause) : .failure(Problem(message: "usage: pause"))
        case "quit", "q": return .success(.quit)
        default:
            return .failure(Problem(message: "unknown command \"\(name)\": try \(commands.joined(separator: ", ")) (? for help)"))
        }
    }

    /// Seconds from `600`, `45s`, `10m`, `2h` or `1d`; nil if the text is none of those or out of range.
    public static func seconds(_ text: String) -> Int? {
        let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        var digits = Substring(text), unit = 1
        if let last = text.last, let scale = units[last] {
            digits = text.dropLast()
            unit = scale
        }
        guard let value = Int(digits), value > 0, value <= 31_536_000 / unit else { return nil }
        return value * unit
    }

    /// `text` with its last word completed when exactly one candidate fits (or to their common prefix).
    public static func complete(_ text: String, snapshot: DashboardSnapshot?) -> String {
        var words = text.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        guard let last = words.last else { return text }
        let candidates: [String]
        switch words.count {
        case 1: candidates = commands
        case 2:
            switch words[0] {
            case "scenario": candidates = ConsoleModel.scenarios
            case "rerun": candidates = ["recommendations"]
            case "redrive": candidates = snapshot?.queues.map(\.name) ?? []
            case "unblock": candidates = snapshot?.blocked.map(\.cidr) ?? []
            case "disallow": candidates = snapshot?.allowlist?.map(\.cidr) ?? []
            default: candidates = []
            }
        case 3 where words[0] == "rerun": candidates = ConsoleModel.pipelineSteps.map { "failAt=" + $0 }
        default: candidates = []
        }
        words[words.count - 1] = completeWord(last, from: candidates)
        let completed = words.joined(separator: " ")
        // A word completed in full is followed by a space, ready for the next one.
        return completed != text && candidates.contains(words[words.count - 1]) ? completed + " " : completed
    }

    /// `word` completed against `candidates`: the single match, or the longest prefix they share.
    public static func completeWord(_ word: String, from candidates: [String]) -> String {
        let matches = candidates.filter { $0.hasPrefix(word) }
        guard var prefix = matches.first else { return word }
        for match in matches.dropFirst() {
            while !match.hasPrefix(prefix) { prefix.removeLast() }
        }
        return prefix.count > word.count ? prefix : word
    }
}
