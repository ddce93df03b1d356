import Foundation
import Telemetry

/// One measured figure.
struct BenchResult: Sendable {
    var name: String
    /// Parameters in display order.
    var params: [(String, String)]
    var opsPerSecond: Double
    var p50Microseconds: Double?
    var p99Microseconds: Double?
    /// Further named figures (MB/s, seconds, RSS).
    var extra: [(String, Double)] = []

    init(name: String, params: [(String, String)], opsPerSecond: Double, latency: HistogramSnapshot? = nil, extra: [(String, Double)] = []) {
        self.name = name
        self.params = params
        self.opsPerSecond = opsPerSecond
        if let latency, latency.count > 0 {
            p50Microseconds = Double(latency.percentile(0.5))
            p99Microseconds = Double(latency.percentile(0.99))
        }
        self.extra = extra
    }
}

extension BenchResult {
    /// A result from per-call times in µs: p50 and p99 of the samples, and calls per second from their mean
    /// unless `opsPerSecond` is given.
    static func latency(_ name: String, _ samples: [Double], params: [(String, String)], opsPerSecond: Double? = nil,
                        extra: [(String, Double)] = []) -> BenchResult {
        let sorted = samples.sorted()
        let mean = samples.reduce(0, +) / Double(max(samples.count, 1))
        var result = BenchResult(name: name, params: params, opsPerSecond: opsPerSecond ?? (mean > 0 ? 1_000_000 / mean : 0), extra: extra)
        if !sorted.isEmpty {
            result.p50Microseconds = sorted[sorted.count / 2]
            result.p99Microseconds = sorted[min(sorted.count - 1, sorted.count * 99 / 100)]
        }
        return result
    }
}

/// A benchmark's results, printed as a table or as the JSON of design.md.
struct BenchReport: Sendable {
    var bench: String
    var results: [BenchResult] = []
    var anchors: [(String, Double)] = []
    var ratios: [(String, Double)] = []
    var notes: [String] = []

    func json(rssMegabytes: Double) -> String {
        func number(_ value: Double) -> String {
            value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(format: "%.3f", value)
        }
        func param(_ value: String) -> String { Double(value) != nil ? value : JSONText.quoted(value) }
        let rows = results.map { result -> String in
            var fields = ["\"name\":\(JSONText.quoted(result.name))",
                          "\"params\":{" + result.params.map { "\(JSONText.quoted($0.0)):\(param($0.1))" }.joined(separator: ",") + "}",
                          "\"ops_per_s\":\(number(result.opsPerSecond.rounded()))"]
            if let p50 = result.p50Microseconds { fields.append("\"p50_us\":\(number(p50))") }
            if let p99 = result.p99Microseconds { fields.append("\"p99_us\":\(number(p99))") }
            for (name, value) in result.extra { fields.append("\(JSONText.quoted(name)):\(number(value))") }
            return "{" + fields.joined(separator: ",") + "}"
        }
        var text = "{\"bench\":\(JSONText.quoted(bench)),\"results\":[\(rows.joined(separator: ","))],\"rss_mb\":\(number((rssMegabytes * 10).rounded() / 10))"
        if !anchors.isEmpty {
            text += ",\"anchors\":{" + anchors.map { "\(JSONText.quoted($0.0)):\(number($0.1))" }.joined(separator: ",") + "}"
            text += ",\"ratios\":{" + ratios.map { "\(JSONText.quoted($0.0)):\(number(($0.1 * 100).rounded() / 100))" }.joined(separator: ",") + "}"
        }
        return text + "}"
    }

    /// Whole microseconds, with a decimal below 100 µs where the fraction still tells something.
    static func microseconds(_ value: Double) -> String { String(format: value < 100 ? "%.1f" : "%.0f", value) }

    func table(rssMegabytes: Double) -> String {
        var lines = ["\(bench) benchmark", ""]
        let header = ["result", "params", "ops/s", "p50 µs", "p99 µs", "other"]
        var rows = [header]
        for result in results {
            rows.append([
                result.name,
                result.params.map { "\($0.0)=\($0.1)" }.joined(separator: " "),
                String(format: "%.0f", result.opsPerSecond),
                result.p50Microseconds.map(Self.microseconds) ?? "-",
                result.p99Microseconds.map(Self.microseconds) ?? "-",
                result.extra.map { "\($0.0)=\(String(format: "%.1f", $0.1))" }.joined(separator: " "),
            ])
        }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            lines.append(row.enumerated().map { index, cell in
                index == 0 || index == 1 || index == 5
                    ? cell + String(repeating: " ", count: widths[index] - cell.count)
                    : String(repeating: " ", count: widths[index] - cell.count) + cell
            }.joined(separator: "  "))
        }
        if !anchors.isEmpty {
            lines += ["", "anchors measured in the same run:"]
            for (name, value) in anchors { lines.append("  \(name) = \(String(format: value < 100 ? "%.2f" : "%.0f", value))") }
            for (name, value) in ratios { lines.append("  \(name) = \(String(format: "%.2f", value))×") }
        }
        lines += ["", String(format: "peak RSS %.1f MB", rssMegabytes)]
        lines += notes
        return lines.joined(separator: "\n")
    }
}
