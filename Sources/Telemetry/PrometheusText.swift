/// Prometheus text exposition format, version 0.0.4.
enum PrometheusText {
    /// Bucket bounds in seconds for exposed latency histograms.
    static let latencyBucketBounds: [Double] = [
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    ]

    static func isValidMetricName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return false }
        return name.utf8.allSatisfy { c in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(c) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(c)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) || c == UInt8(ascii: "_") || c == UInt8(ascii: ":")
        }
    }

    static func render(_ families: [MetricFamily]) -> String {
        var out = ""
        for family in families {
            out += "# HELP \(family.name) \(escapeHelp(family.help))\n"
            out += "# TYPE \(family.name) \(family.kind.rawValue)\n"
            let sorted = family.series.sorted { labelText($0.key.pairs) < labelText($1.key.pairs) }
            for (labels, series) in sorted {
                switch series {
                case .counter(let counter):
                    out += "\(family.name)\(labelText(labels.pairs)) \(counter.value)\n"
                case .gauge(let gauge):
                    out += "\(family.name)\(labelText(labels.pairs)) \(number(gauge.value))\n"
                case .sampled(let read):
                    out += "\(family.name)\(labelText(labels.pairs)) \(number(read()))\n"
                case .histogram(let histogram):
                    let snapshot = histogram.snapshot()
                    for bound in latencyBucketBounds {
                        let count = snapshot.countAtOrBelow(microseconds: UInt64(bound * 1_000_000))
                        out += "\(family.name)_bucket\(labelText(labels.pairs + [("le", number(bound))])) \(count)\n"
                    }
                    out += "\(family.name)_bucket\(labelText(labels.pairs + [("le", "+Inf")])) \(snapshot.count)\n"
                    out += "\(family.name)_sum\(labelText(labels.pairs)) \(number(Double(snapshot.sumMicroseconds) / 1_000_000))\n"
                    out += "\(family.name)_count\(labelText(labels.pairs)) \(snapshot.count)\n"
                }
            }
        }
        return out
    }

    static func labelText(_ pairs: [(name: String, value: String)]) -> String {
        guard !pairs.isEmpty else { return "" }
        return "{" + pairs.map { "\($0.name)=\"\(escapeLabelValue($0.value))\"" }.joined(separator: ",") + "}"
    }

    static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    /// Label values escape backslash, double quote and newline; help text only backslash and newline.
    static func escapeLabelValue(_ text: String) -> String { escape(text, quotes: true) }
    static func escapeHelp(_ text: String) -> String { escape(text, quotes: false) }

    private static func escape(_ text: String, quotes: Bool) -> String {
        var out = ""
        for c in text {
            switch c {
            case "\\": out += "\\\\"
            case "\"" where quotes: out += "\\\""
            case "\n": out += "\\n"
            default: out.append(c)
            }
        }
        return out
    }
}
