import Addressing
import Foundation
import HTTP
import Telemetry

/// `bench http`: the core's server in a child process, driven over loopback — a fixed small JSON GET (the
/// server alone), `GET /api/products/{id}` through the whole gateway (API key, throttle, edge cache), a 16 KiB
/// POST, the product route as a browser sends it with the WAF on and off, `POST /api/orders` with the checkout
/// saga behind it, the server's memory with 1,000 idle keep-alive connections, and (with an anchor script)
/// `wrk` against `GET /healthz` (the server alone), the product route and nginx in the same run. The server
/// logs every request to a file, as `serve` does.
struct HTTPBenchmark {
    let directory: String
    let quick: Bool
    /// `../shared/bench/http-anchor.sh`, to compare with nginx using wrk.
    let anchorScript: String?

    static let productRoute = "/api/products/p1"

    func run(progress: (String) -> Void) async throws -> BenchReport {
        HTTPServer.raiseOpenFileLimit()
        let child = try BenchServerProcess(directory: directory)
        defer { child.stop() }
        let fixture = child.fixture
        let address = SocketAddress(ip: .v4(0x7F00_0001), port: fixture.port)
        let seconds = quick ? 1.5 : 5
        var report = BenchReport(bench: "http")

        var product = HTTPClientRequest.get(Self.productRoute)
        product.headers.set("x-api-key", fixture.apiKey)
        let post = HTTPClientRequest.post(HTTPBenchServer.postPath, json: #"{"data":""# + String(repeating: "a", count: 16 * 1024 - 11) + #""}"#)
        for (name, request, levels) in [("get_small_json", HTTPClientRequest.get(HTTPBenchServer.productPath), [1, 64, 256]),
                                        ("get_product_api", product, [1, 64, 256]), ("post_16k", post, [1, 64])] {
            for connections in levels {
                progress("\(name) at \(connections) connection(s)")
                let outcome = try await HTTPLoad.run(to: address, connections: connections, seconds: seconds, request: request)
                guard outcome.errors == 0 else { throw RuntimeFailure(description: "bench http: \(outcome.errors) failed requests in \(name)") }
                report.results.append(BenchResult(name: name, params: [("connections", "\(connections)"), ("client", "shopdeck")],
                                                  opsPerSecond: outcome.requestsPerSecond, latency: outcome.latency))
            }
        }
        try await measureWAFCost(fixture: fixture, address: address, pid: child.pid, connections: 64, seconds: seconds, rounds: quick ? 1 : 3,
                                 report: &report, progress: progress)

        progress("1,000 idle keep-alive connections")
        let before = Measure.currentRSSMegabytes(pid: child.pid)
        let idle = try await HTTPLoad.openIdle(to: address, count: 1000, target: HTTPBenchServer.productPath)
        let during = Measure.currentRSSMegabytes(pid: child.pid)
        report.results.append(BenchResult(name: "idle_keepalive", params: [("connections", "\(idle.count)")], opsPerSecond: 0,
                                          extra: [("server_rss_mb", during), ("server_rss_before_mb", before)]))
        for connection in idle { connection.close() }
        report.notes.append("server_rss_mb is the serving process's resident memory (target < 64 MB at 1,000 idle connections)")
        report.notes.append("get_product_api passes the whole gateway with an API key; get_small_json is a fixed answer (the server alone)")

        // Before the orders, whose analytics and notifications keep workers busy for a while after the
        // checkout queue is empty: the comparison with nginx is of the request path on a quiet server.
        if let anchorScript {
            try compareWithNginx(address: address, apiKey: fixture.apiKey, script: anchorScript, seconds: quick ? 3 : 10,
                                 rounds: quick ? 1 : 3, report: &report, progress: progress)
        }

        // After the idle-memory figure, since the orders leave the store and the saga history larger.
        for connections in [64, 256] {
            try await measureOrders(fixture: fixture, address: address, connections: connections, seconds: quick ? 2 : 10,
                                    report: &report, progress: progress)
        }
        report.notes.append("post_order: orders accepted (202) per second; the checkout queue empty and every checkout run finished "
                            + "that many seconds after the load stopped (target ≥ 12,000/s, queue empty within 5 s)")

        return report
    }

    /// Alternates wrk against shopdeck's bare route, its product route through the gateway, and nginx
    /// (through the anchor script, logging every request as the bench server does), and keeps the medians,
    /// because this machine's speed drifts between runs.
    private func compareWithNginx(address: SocketAddress, apiKey: String, script: String, seconds: Int, rounds: Int,
                                  report: inout BenchReport, progress: (String) -> Void) throws {
        let routes = [(name: "healthz", path: "/healthz", target: 1.0), (name: "product_api", path: Self.productRoute, target: 0.8)]
        var ours = Array(repeating: [WrkResult](), count: routes.count)
        var nginx: [WrkResult] = []
        for round in 1...rounds {
            for (index, route) in routes.enumerated() {
                progress("wrk round \(round)/\(rounds): shopdeck \(route.path)")
                ours[index].append(try WrkResult.run("wrk", ["-t2", "-c64", "-d\(seconds)s", "--latency", "-H", "x-api-key: \(apiKey)",
                                                             "http://\(address)\(route.path)"]))
            }
            progress("wrk round \(round)/\(rounds): nginx (\(script))")
            nginx.append(try WrkResult.run("bash", [script, "", "64", "\(seconds)"], environment: ["ACCESS_LOG": "1"]))
        }
        let nginxMedian = WrkResult.median(nginx)
        report.anchors.append(("nginx_static_req_per_s", nginxMedian.requestsPerSecond))
        report.anchors.append(("nginx_static_p99_us", nginxMedian.p99Microseconds))
        for (index, route) in routes.enumerated() {
            let median = WrkResult.median(ours[index])
            var wrk = BenchResult(name: "wrk_get_\(route.name)", params: [("connections", "64"), ("client", "wrk")],
                                  opsPerSecond: median.requestsPerSecond)
            wrk.p50Microseconds = median.p50Microseconds
            wrk.p99Microseconds = median.p99Microseconds
            report.results.append(wrk)
            report.ratios.append(("wrk_\(route.name)_vs_nginx (target ≥ \(route.target))", median.requestsPerSecond / nginxMedian.requestsPerSecond))
            report.notes.append(String(format: "wrk %@ p99 %.1f ms (target < 5 ms); rounds (req/s): %@", route.path, median.p99Microseconds / 1000,
                                       ours[index].map { String(format: "%.0f", $0.requestsPerSecond) }.joined(separator: ", ")))
        }
        report.notes.append("wrk rounds (req/s) nginx, logging every request: " + nginx.map { String(format: "%.0f", $0.requestsPerSecond) }.joined(separator: ", "))
    }
}

/// What wrk printed: requests per second and latency percentiles.
struct WrkResult {
    var requestsPerSecond: Double
    var p50Microseconds: Double
    var p99Microseconds: Double

    static func run(_ command: String, _ arguments: [String], environment: [String: String] = [:]) throws -> WrkResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [command] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw RuntimeFailure(description: "cannot run \(command): \(error.localizedDescription) (install wrk and nginx-light)")
        }
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0, let parsed = parse(text) else {
            throw RuntimeFailure(description: "\(command) \(arguments.joined(separator: " ")) failed (status \(process.terminationStatus)): \(text.suffix(300))")
        }
        return parsed
    }

    /// Reads `Requests/sec:` and the `--latency` distribution from wrk's report.
    static func parse(_ text: String) -> WrkResult? {
        var rate: Double?, p50: Double?, p99: Double?
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.first == "Requests/sec:", fields.count >= 2 { rate = Double(fields[1]) }
            if fields.count == 2, fields[0] == "50%" { p50 = microseconds(fields[1]) }
            if fields.count == 2, fields[0] == "99%" { p99 = microseconds(fields[1]) }
        }
        guard let rate, let p50, let p99 else { return nil }
        return WrkResult(requestsPerSecond: rate, p50Microseconds: p50, p99Microseconds: p99)
    }

    /// wrk prints `812.00us`, `1.23ms` or `2.00s`.
    static func microseconds(_ text: Substring) -> Double? {
        for (suffix, scale) in [("us", 1.0), ("ms", 1000.0), ("s", 1_000_000.0)] where text.hasSuffix(suffix) {
            return Double(text.dropLast(suffix.count)).map { $0 * scale }
        }
        return nil
    }

    static func median(_ results: [WrkResult]) -> WrkResult {
        let sorted = results.sorted { $0.requestsPerSecond < $1.requestsPerSecond }
        return sorted[sorted.count / 2]
    }
}

/// The bench server child (`HTTPBenchServer`): started with its data directory, stopped by closing its input.
final class BenchServerProcess {
    let process = Process()
    let pid: Int32
    let fixture: HTTPBenchServer.Fixture
    private let input = Pipe()

    init(directory: String) throws {
        process.executableURL = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
        process.environment = ProcessInfo.processInfo.environment.merging([HTTPBenchServer.environmentKey: directory]) { _, new in new }
        let output = Pipe()
        process.standardOutput = output
        process.standardInput = input
        try process.run()
        pid = process.processIdentifier
        var text = ""
        while !text.contains("\n") {
            let data = output.fileHandleForReading.availableData
            if data.isEmpty { break }
            text += String(decoding: data, as: UTF8.self)
        }
        guard let line = text.split(separator: "\n").first, let fixture = HTTPBenchServer.Fixture(line: line) else {
            process.terminate()
            throw RuntimeFailure(description: "the bench server did not start: \(text)")
        }
        self.fixture = fixture
    }

    func stop() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}
