import Addressing
import Foundation
import HTTP
#if canImport(Glibc)
import Glibc
#endif

extension HTTPBenchmark {
    /// What the WAF adds to `GET /api/products/{id}` as a browser sends it (User-Agent, Referer, cookies):
    /// the same load with every WAF rule on and with every rule switched off through the admin API,
    /// alternating rounds because this machine's speed drifts. Compared by the serving process's CPU time
    /// per request (steadier than throughput) and by requests per second.
    func measureWAFCost(fixture: HTTPBenchServer.Fixture, address: SocketAddress, pid: Int32, connections: Int, seconds: Double,
                        rounds: Int, report: inout BenchReport, progress: (String) -> Void) async throws {
        let admin = try String(contentsOfFile: directory + "/admin-token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let control = try HTTPClientConnection(to: address, timeout: 10)
        defer { control.close() }
        let rules = try ruleNames(control, admin: admin)
        var request = HTTPClientRequest.get(Self.productRoute)
        for (name, value) in Self.browserHeaders { request.headers.set(name, value) }
        request.headers.set("x-api-key", fixture.apiKey)

        var samples: [Bool: [(rate: Double, cpu: Double, outcome: HTTPLoad.Outcome)]] = [:]
        for round in 1...rounds {
            for wafOn in [true, false] {
                progress("WAF \(wafOn ? "on" : "off"), round \(round)/\(rounds)")
                try setRules(rules, to: wafOn ? "block" : "off", control, admin: admin)
                let cpuBefore = Self.cpuSeconds(of: pid)
                let outcome = try await HTTPLoad.run(to: address, connections: connections, seconds: seconds, request: request)
                let cpu = Self.cpuSeconds(of: pid) - cpuBefore
                guard outcome.errors == 0 else { throw RuntimeFailure(description: "bench http: \(outcome.errors) failed requests with the WAF \(wafOn ? "on" : "off")") }
                let requests = outcome.requestsPerSecond * seconds
                samples[wafOn, default: []].append((outcome.requestsPerSecond, cpu / max(requests, 1) * 1_000_000, outcome))
            }
        }
        try setRules(rules, to: "block", control, admin: admin)

        var medians: [Bool: (rate: Double, cpu: Double)] = [:]
        for wafOn in [true, false] {
            let runs = samples[wafOn] ?? []
            let byRate = runs.sorted { $0.rate < $1.rate }
            let cpu = runs.map(\.cpu).sorted()[runs.count / 2]
            let median = byRate[byRate.count / 2]
            medians[wafOn] = (median.rate, cpu)
            report.results.append(BenchResult(name: "get_product_browser", params: [("connections", "\(connections)"), ("waf", wafOn ? "on" : "off")],
                                              opsPerSecond: median.rate, latency: median.outcome.latency, extra: [("server_cpu_us_per_req", cpu)]))
        }
        guard let on = medians[true], let off = medians[false] else { return }
        report.notes.append(String(format: "WAF cost on GET /api/products/{id} with browser headers: %+.1f%% server CPU per request, %+.1f%% time per request "
                                   + "by throughput (target ≤ 10%%; medians of %d alternating rounds)",
                                   (on.cpu / off.cpu - 1) * 100, (off.rate / on.rate - 1) * 100, rounds))
    }

    /// What a browser sends besides the request line: the headers the WAF inspects (User-Agent, Referer,
    /// cookies) and the ones it skips.
    static let browserHeaders: [(String, String)] = [
        ("User-Agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36"),
        ("Accept", "application/json, text/plain, */*"), ("Accept-Language", "ja,en-US;q=0.9,en;q=0.8"), ("Accept-Encoding", "gzip, deflate, br"),
        ("Referer", "https://shop.example/products?page=2&sort=popular"),
        ("Cookie", "sid=3e1bdea52939828108d599ec5ff6369b; theme=dark; consent=necessary:true|analytics:false"),
    ]

    private func ruleNames(_ connection: HTTPClientConnection, admin: String) throws -> [String] {
        var request = HTTPClientRequest.get("/admin/waf/rules")
        request.headers.set("Authorization", "Bearer \(admin)")
        let response = try connection.send(request)
        guard response.status == 200, let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
              let items = object["items"] as? [[String: Any]] else {
            throw RuntimeFailure(description: "bench http: GET /admin/waf/rules answered \(response.status)")
        }
        // The rate rule stays off: the load comes from one address (see HTTPBenchServer).
        return items.filter { $0["kind"] as? String != "rate" }.compactMap { $0["name"] as? String }
    }

    private func setRules(_ names: [String], to action: String, _ connection: HTTPClientConnection, admin: String) throws {
        for name in names {
            var request = HTTPClientRequest(method: "PUT", target: "/admin/waf/rules/\(name)", body: Array(#"{"action":"\#(action)"}"#.utf8))
            request.headers.set("Content-Type", "application/json")
            request.headers.set("Authorization", "Bearer \(admin)")
            let response = try connection.send(request)
            guard response.status == 200 else { throw RuntimeFailure(description: "bench http: setting WAF rule \(name) to \(action) answered \(response.status)") }
        }
    }

    /// User plus system CPU seconds of process `pid` so far (from /proc).
    static func cpuSeconds(of pid: Int32) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return 0 }
        // Fields after the command name: state is field 3, utime 14 and stime 15.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
