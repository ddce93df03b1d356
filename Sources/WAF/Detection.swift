/// The kinds of attack the detectors recognise, named as rules and in `waf-eval` output.
public enum AttackClass: String, Sendable, CaseIterable {
    case sqli, xss, cmdi, traversal
}

/// A detector's verdict on a request: the rule that matched, the field it matched in (named as CRS names
/// its variables: `ARGS:q`, `REQUEST_HEADERS:User-Agent`), the shape it recognised, and a short excerpt
/// of the decoded value around the evidence (what an operator reads in the verdict log).
public struct Detection: Sendable, Equatable {
    public var rule: DetectionRule
    public var field: String
    public var shape: String
    public var excerpt: String

    /// The rule's family: the rule an operator switches.
    public var attack: AttackClass { rule.family }
}

/// Runs the detectors over every field of a request view.
public enum Detectors {
    /// The first detection in `view`, trying each field with every enabled detector (traversal first for
    /// path-like fields, where its verdict is the most specific), and for the families in `raised` the
    /// paranoia-level-2 rules after their level-1 ones.
    public static func inspect(_ view: RequestView, enabled: Set<AttackClass> = Set(AttackClass.allCases), raised: Set<AttackClass> = []) -> Detection? {
        for field in view.fields {
            // An identifier-like token (`p12`, `order-7f3a`, `a@example.com`) has no quote, operator, space,
            // markup or shell character for the other detectors to find; only a file name could matter.
            let attacks = isPlainToken(field.value) ? [AttackClass.traversal] : order(for: field)
            for attack in attacks where enabled.contains(attack) {
                if let finding = detector(attack)(field.value) ?? (raised.contains(attack) ? LooseShapes.find(attack, in: field.value) : nil) {
                    return Detection(rule: finding.rule, field: field.label, shape: finding.shape, excerpt: excerpt(field.value, around: finding.offset))
                }
            }
        }
        return nil
    }

    /// Every enabled detector over one value (already decoded), in the order used for a query value; the
    /// first finding and its class. What the benchmarks and fuzzers call to reach the detectors directly.
    public static func inspect(value: [UInt8], enabled: Set<AttackClass> = Set(AttackClass.allCases), raised: Set<AttackClass> = []) -> (AttackClass, Finding)? {
        for attack in [AttackClass.sqli, .xss, .cmdi, .traversal] where enabled.contains(attack) {
            if let finding = detector(attack)(value) ?? (raised.contains(attack) ? LooseShapes.find(attack, in: value) : nil) { return (attack, finding) }
        }
        return nil
    }

    /// Letters, digits, `_`, `.`, `@` and `-` only, without `..` or `--`.
    static func isPlainToken(_ value: [UInt8]) -> Bool {
        var previous: UInt8 = 0
        for byte in value {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "_"), UInt8(ascii: "@"):
                break
            case UInt8(ascii: "."), UInt8(ascii: "-"):
                if previous == byte { return false }
            default:
                return false
            }
            previous = byte
        }
        return true
    }

    static func order(for field: InspectedField) -> [AttackClass] {
        field.location == .path ? [.traversal, .sqli, .xss, .cmdi] : [.sqli, .xss, .cmdi, .traversal]
    }

    static func detector(_ attack: AttackClass) -> ([UInt8]) -> Finding? {
        switch attack {
        case .sqli: SQLInjectionDetector.inspect
        case .xss: XSSDetector.inspect
        case .cmdi: CommandInjectionDetector.inspect
        case .traversal: PathTraversalDetector.inspect
        }
    }

    /// Up to 60 bytes of `value` from a little before `offset`, control characters shown as `·`.
    static func excerpt(_ value: [UInt8], around offset: Int) -> String {
        let start = max(0, min(offset, value.count) - 10)
        let slice = value[start..<min(value.count, start + 60)].map { $0 < 0x20 || $0 == 0x7F ? UInt8(ascii: "?") : $0 }
        return String(decoding: slice, as: UTF8.self)
    }
}
