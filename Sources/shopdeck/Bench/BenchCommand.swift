import Foundation

/// `shopdeck bench [NAME] [--quick] [--json] [--dir DIR] [--anchors SCRIPT] [--soak-minutes M]`.
struct BenchCommand {
    let arguments: ParsedArguments
    let output: any CommandOutput

    func run() async throws -> Int32 {
        let name = arguments.positionals.first ?? "all"
        let quick = arguments.flag("--quick")
        let json = arguments.flag("--json")

        let base = arguments.value("--dir") ?? FileManager.default.temporaryDirectory.path
        let directory = base + "/shopdeck-bench-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: directory) }

        var anchors: [String: Double] = [:]
        let anchorScript = arguments.value("--anchors")
        if let script = anchorScript, script.hasSuffix(".py") {
            output.err("measuring anchors with \(script)…")
            anchors = try runAnchorScript(script, seconds: quick ? 2 : 5)
        }
        var reports: [BenchReport] = []
        if name == "store" || name == "all" {
            var report = try await StoreBenchmark(directory: directory + "/store", quick: quick).run { phase in output.err("bench store: \(phase)…") }
            addRatios(&report, anchors: anchors)
            reports.append(report)
        }
        if name == "broker" || name == "all" {
            reports.append(try await BrokerBenchmark(directory: directory + "/broker", quick: quick).run { phase in output.err("bench broker: \(phase)…") })
        }
        if name == "waf" || name == "all" {
            var report = WAFBenchmark(quick: quick).run { phase in output.err("bench waf: \(phase)…") }
            try await WAFAdversarialBenchmark(directory: directory + "/waf", quick: quick).run(into: &report) { phase in output.err("bench waf: \(phase)…") }
            reports.append(report)
        }
        if name == "recommender" || name == "all" {
            reports.append(try RecommenderBenchmark(directory: directory + "/recommender", quick: quick)
                .run { phase in output.err("bench recommender: \(phase)…") })
        }
        if name == "http" || name == "all" {
            let httpAnchor = anchorScript.flatMap { $0.hasSuffix(".sh") ? $0 : nil }
            reports.append(try await HTTPBenchmark(directory: directory + "/http", quick: quick, anchorScript: httpAnchor)
                .run { phase in output.err("bench http: \(phase)…") })
        }
        if name == "console" || name == "all" {
            let soak = try arguments.double("--soak-minutes", in: 0...1440, default: quick ? 1 : 5)
            reports.append(try await ConsoleBenchmark(directory: directory + "/console", quick: quick, soakMinutes: soak)
                .run { phase in output.err("bench console: \(phase)…") })
        }
        let rss = Measure.peakRSSMegabytes()
        for report in reports { output.out(json ? report.json(rssMegabytes: rss) : report.table(rssMegabytes: rss)) }
        return ExitCode.success
    }

    /// Runs ../shared/bench/store-anchors.py (or another script printing the same JSON) in this run.
    private func runAnchorScript(_ path: String, seconds: Int) throws -> [String: Double] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", path, "--json", "--seconds", "\(seconds)"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw RuntimeFailure(description: "anchor script \(path) failed (status \(process.terminationStatus))")
        }
        return object.compactMapValues { ($0 as? NSNumber)?.doubleValue }
    }

    private func addRatios(_ report: inout BenchReport, anchors: [String: Double]) {
        guard !anchors.isEmpty else { return }
        report.anchors = anchors.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        report.ratios += Self.storeRatios(report.results, anchors: anchors)
    }

    /// `bench store`'s figures against its anchors. Issue 20's targets: 0.7× the fsync limit (the benchmark's
    /// own and the anchor script's) for 64 writers' puts and hot-item decrements alike. SQLite's ratios are
    /// context: they replaced issue 2's 30× target.
    static func storeRatios(_ results: [BenchResult], anchors: [String: Double]) -> [(String, Double)] {
        func result(_ name: String, _ param: String? = nil) -> Double? {
            results.first { $0.name == name && (param == nil || $0.params.contains { "\($0.0)=\($0.1)" == param }) }?.opsPerSecond
        }
        let ownLimit = result("fsync_limit")
        var ratios: [(String, Double)] = []
        for (name, figure, sqliteKey) in [("put64", result("put", "writers=64"), "sqlite_puts_per_s"),
                                          ("hot_decrement", result("conditional_decrement"), "sqlite_hot_decr_per_s")] {
            guard let figure else { continue }
            if let sqlite = anchors[sqliteKey] { ratios.append(("\(name)_vs_sqlite (context)", figure / sqlite)) }
            if let limit = anchors["fsync_limit_per_s"] { ratios.append(("\(name)_vs_script_fsync_limit (target ≥ 0.7)", figure / limit)) }
            if let ownLimit { ratios.append(("\(name)_vs_fsync_limit (target ≥ 0.7)", figure / ownLimit)) }
        }
        return ratios
    }
}
