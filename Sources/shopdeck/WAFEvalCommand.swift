import Foundation
import Telemetry
import WAF

/// `shopdeck waf-eval FILE.jsonl [--json] [--errors] [--paranoia LEVEL]`: runs the WAF's detectors over a
/// labelled corpus (format in design.md) and prints, per attack class, how many were caught, for benign
/// requests how many were flagged, which rule ids matched, and the inspection cost per request.
struct WAFEvalCommand {
    let arguments: ParsedArguments
    let output: any CommandOutput

    struct Tally {
        var classes: [String: (caught: Int, missed: Int)] = [:]
        var falsePositives = 0
        var trueNegatives = 0
        /// Matches by rule id, attacks and benign requests apart.
        var byRule: [Int: (attacks: Int, benign: Int)] = [:]
        var nanoseconds: UInt64 = 0
        var benignNanoseconds: UInt64 = 0
        var requests = 0
        var skipped: [String] = []
        /// With `--errors`: a line per flagged benign request and per missed attack.
        var errors: [String] = []
    }

    func run() throws -> Int32 {
        guard let path = arguments.positionals.first else { throw UsageError(message: "waf-eval needs a FILE.jsonl", command: "waf-eval") }
        guard let data = FileManager.default.contents(atPath: path) else { throw RuntimeFailure(description: "cannot read \(path)") }
        var tally = Tally()
        // The gateway's own firewall, every rule blocking: a browser's repeated User-Agent and cookies are
        // inspected once, as in production.
        let firewall = WebApplicationFirewall()
        for family in try raisedFamilies() { try firewall.setParanoia(2, forRule: family.rawValue) }
        for (number, line) in data.split(separator: UInt8(ascii: "\n")).enumerated() where !line.allSatisfy({ $0 == 0x20 || $0 == 0x0D }) {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                  let label = object["label"] as? String, label == "attack" || label == "benign",
                  let method = object["method"] as? String, let uri = object["uri"] as? String else {
                tally.skipped.append("line \(number + 1)")
                continue
            }
            let attackClass = object["class"] as? String ?? "other"
            let headers = (object["headers"] as? [String: Any] ?? [:]).compactMap { key, value in (value as? String).map { (name: key, value: $0) } }
            let body = Array((object["body"] as? String ?? "").utf8)
            let started = DispatchTime.now().uptimeNanoseconds
            let detection: Detection?
            if case .block(_, let found) = firewall.inspect(method: method, target: uri, headers: headers, body: body, clientIP: "eval") {
                detection = found
            } else {
                detection = nil
            }
            let spent = DispatchTime.now().uptimeNanoseconds - started
            tally.nanoseconds += spent
            if label == "benign" { tally.benignNanoseconds += spent }
            tally.requests += 1
            if let detection {
                if label == "benign" { tally.byRule[detection.rule.id, default: (0, 0)].benign += 1 } else { tally.byRule[detection.rule.id, default: (0, 0)].attacks += 1 }
            }
            let id = object["id"] as? String ?? "line \(number + 1)"
            if label == "benign" {
                if detection == nil { tally.trueNegatives += 1 } else { tally.falsePositives += 1 }
                if let detection, arguments.flag("--errors") {
                    tally.errors.append("flagged \(id): \(detection.rule.id) \(detection.shape) in \(detection.field): \(TextSafety.escaped(detection.excerpt))")
                }
            } else {
                if detection == nil, arguments.flag("--errors") {
                    tally.errors.append("missed \(id) (\(attackClass)): \(method) \(TextSafety.escaped(uri)) \(TextSafety.escaped(String(decoding: body.prefix(300), as: UTF8.self)))")
                }
                tally.classes[attackClass, default: (0, 0)].caught += detection == nil ? 0 : 1
                tally.classes[attackClass, default: (0, 0)].missed += detection == nil ? 1 : 0
            }
        }
        guard tally.requests > 0 else { throw RuntimeFailure(description: "\(path) holds no labelled requests (\(tally.skipped.count) unreadable lines)") }
        output.out(arguments.flag("--json") ? json(tally) : table(tally, path: path))
        for line in tally.errors { output.out(line) }
        if !tally.skipped.isEmpty { output.err("skipped \(tally.skipped.count) unreadable line(s): \(tally.skipped.prefix(5).joined(separator: ", "))") }
        return ExitCode.success
    }

    private func rate(_ part: Int, _ whole: Int) -> Double { whole == 0 ? 0 : Double(part) / Double(whole) }

    /// The families `--paranoia` raises to level 2: `2` for all of them, or `sqli=2,xss=2`.
    private func raisedFamilies() throws -> [AttackClass] {
        guard let text = arguments.value("--paranoia") else { return [] }
        if text == "1" { return [] }
        if text == "2" { return AttackClass.allCases }
        return try text.split(separator: ",").compactMap { part in
            let pieces = part.split(separator: "=")
            guard pieces.count == 2, let family = AttackClass(rawValue: String(pieces[0])), let level = Int(pieces[1]), (1...2).contains(level) else {
                throw arguments.invalid("--paranoia", text, "give 1, 2 or FAMILY=LEVEL pairs such as sqli=2,xss=2 (families: sqli, xss, cmdi, traversal)")
            }
            return level == 2 ? family : nil
        }
    }

    private func table(_ tally: Tally, path: String) -> String {
        var lines = ["WAF evaluation of \(path) (\(tally.requests) requests)", "",
                     "class       caught  missed  detection"]
        for (name, counts) in tally.classes.sorted(by: { $0.key < $1.key }) {
            lines.append(name.padding(toLength: 10, withPad: " ", startingAt: 0)
                         + String(format: "%8d%8d%10.1f%%", counts.caught, counts.missed, 100 * rate(counts.caught, counts.caught + counts.missed)))
        }
        let benign = tally.falsePositives + tally.trueNegatives
        lines.append("")
        lines.append(String(format: "benign: %d flagged of %d (false-positive rate %.2f%%)", tally.falsePositives, benign, 100 * rate(tally.falsePositives, benign)))
        lines.append("")
        lines.append("rule    attacks  benign  message")
        for (id, counts) in tally.byRule.sorted(by: { $0.key < $1.key }) {
            lines.append(String(format: "%5d %9d %7d  ", id, counts.attacks, counts.benign) + (DetectionRule.withID(id)?.message ?? ""))
        }
        lines.append(String(format: "inspection: %.1f µs per request, %.1f µs per benign request (request view and all four detectors; clean header and cookie values cached)",
                            Double(tally.nanoseconds) / 1000 / Double(tally.requests), Double(tally.benignNanoseconds) / 1000 / Double(max(benign, 1))))
        return lines.joined(separator: "\n")
    }

    private func json(_ tally: Tally) -> String {
        var classes: [String: Any] = [:]
        for (name, counts) in tally.classes {
            classes[name] = ["tp": counts.caught, "fn": counts.missed, "detection": rate(counts.caught, counts.caught + counts.missed)]
        }
        let benign = tally.falsePositives + tally.trueNegatives
        let document: [String: Any] = [
            "classes": classes,
            "benign": ["fp": tally.falsePositives, "tn": tally.trueNegatives, "fp_rate": rate(tally.falsePositives, benign)],
            "us_per_request": Double(tally.nanoseconds) / 1000 / Double(tally.requests),
            "rules": Dictionary(uniqueKeysWithValues: tally.byRule.map { (String($0.key), ["attacks": $0.value.attacks, "benign": $0.value.benign]) }),
        ]
        let data = (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
