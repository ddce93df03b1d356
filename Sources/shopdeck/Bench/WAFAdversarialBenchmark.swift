import Addressing
import Foundation
import HTTP
import Synchronization
import Telemetry
import WAF

/// The adversarial half of `bench waf` (issue 16): what inspection costs on input built to make it slow, and
/// whether a server's event loops notice.
///
/// 1. Each repeated unit (`<a `, `&`, `|`, backticks, quotes, `(`, `/*!`) at 1 KB, 8 KB, 64 KB and 1 MB, through
///    all four detectors: µs per KB, which is flat when inspection is linear.
/// 2. `/healthz` latency from one client on a serving child process, alone and then while four other clients
///    keep 64 KB pathological JSON bodies in flight through the gateway (the anchor is the same run's idle figure).
struct WAFAdversarialBenchmark {
    let directory: String
    let quick: Bool

    static let units = ["<a ", "&", "|", "`", "'", "\"", "(", "/*!"]
    static let sizes = [1 << 10, 8 << 10, 64 << 10, 1 << 20]

    func run(into report: inout BenchReport, progress: (String) -> Void) async throws {
        progress("adversarial values, 1 KB to 1 MB")
        for unit in Self.units {
            for size in Self.sizes {
                let value = Self.repeated(unit, toBytes: size)
                let seconds = Self.inspectionSeconds(value, budget: quick ? 0.05 : 0.25)
                report.results.append(BenchResult(name: "adversarial", params: [("unit", unit), ("kb", "\(size >> 10)")], opsPerSecond: 1 / seconds,
                                                  extra: [("us_per_kb", seconds * 1e6 / Double(size >> 10))]))
            }
        }
        let firewall = WAFBenchmark.productionLikeFirewall()
        for unit in Self.units {
            let body = Array(Self.pathologicalBody(unit).utf8)
            var best = Double.infinity
            let deadline = HTTPLoad.monotonicSeconds() + (quick ? 0.1 : 0.5)
            repeat {
                let started = HTTPLoad.monotonicSeconds()
                _ = firewall.inspect(method: "POST", target: "/api/cart/items", headers: [("Content-Type", "application/json")], body: body,
                                     clientIP: "10.20.0.1", clientAddress: [10, 20, 0, 1])
                best = min(best, HTTPLoad.monotonicSeconds() - started)
            } while HTTPLoad.monotonicSeconds() < deadline
            report.results.append(BenchResult(name: "adversarial_request", params: [("unit", unit), ("kb", "64")], opsPerSecond: 1 / best,
                                              extra: [("ms", best * 1e3)]))
        }
        report.notes.append("adversarial_request: a 64 KB JSON body of the unit repeated through the whole firewall (request view, decoding, "
                            + "rules, detectors), best of several; target < 5 ms")
        report.notes.append("adversarial: one value of the unit repeated, through all four detectors on one thread (best of several); "
                            + "us_per_kb stays flat from 1 KB to 1 MB when inspection is linear (before issue 16: `<a ` ×64 KB took 4–8 s)")
        try await measureHealthUnderLoad(into: &report, progress: progress)
    }

    /// The best time of repeated inspections of `value` by every detector, repeated until `budget` seconds.
    static func inspectionSeconds(_ value: [UInt8], budget: Double) -> Double {
        var best = Double.infinity
        let deadline = HTTPLoad.monotonicSeconds() + budget
        repeat {
            let started = HTTPLoad.monotonicSeconds()
            // Every detector runs: a finding by one would stop `Detectors.inspect(value:)` before the others.
            for attack in AttackClass.allCases { _ = Detectors.inspect(value: value, enabled: [attack]) }
            best = min(best, HTTPLoad.monotonicSeconds() - started)
        } while HTTPLoad.monotonicSeconds() < deadline
        return best
    }

    static func repeated(_ unit: String, toBytes size: Int) -> [UInt8] {
        let bytes = Array(unit.utf8)
        var value: [UInt8] = []
        value.reserveCapacity(size)
        while value.count < size { value.append(bytes[value.count % bytes.count]) }
        return value
    }

    /// A 64 KB JSON body whose one string is `unit` repeated (escaped for JSON).
    static func pathologicalBody(_ unit: String) -> String {
        let escaped = unit.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        let filler = String(repeating: escaped, count: (64 * 1024 - 40) / max(escaped.utf8.count, 1))
        return #"{"productId":"\#(filler)","quantity":1}"#
    }

    private func measureHealthUnderLoad(into report: inout BenchReport, progress: (String) -> Void) async throws {
        HTTPServer.raiseOpenFileLimit()
        let child = try BenchServerProcess(directory: directory)
        defer { child.stop() }
        let address = SocketAddress(ip: .v4(0x7F00_0001), port: child.fixture.port)
        let seconds = quick ? 2.0 : 6.0
        let apiKey = child.fixture.apiKey

        progress("/healthz alone for \(Int(seconds)) s")
        let alone = try Self.healthLatency(address, seconds: seconds)
        progress("/healthz with four 64 KB pathological bodies in flight for \(Int(seconds)) s")
        let stop = Atomic<Bool>(false)
        let sent = Atomic<Int>(0)
        let statuses = Mutex<[Int: Int]>([:])
        let attackers = (0..<4).map { index in
            Thread {
                guard let connection = try? HTTPClientConnection(to: address, timeout: 30) else { return }
                var request = HTTPClientRequest.post("/api/cart/items", json: Self.pathologicalBody(["<a ", "&", "|", "`"][index]))
                request.headers.set("x-api-key", apiKey)
                while !stop.load(ordering: .relaxed) {
                    guard let response = try? connection.send(request) else { return }
                    sent.add(1, ordering: .relaxed)
                    statuses.withLock { $0[response.status, default: 0] += 1 }
                }
            }
        }
        for thread in attackers { thread.start() }
        let loaded = try Self.healthLatency(address, seconds: seconds)
        stop.store(true, ordering: .relaxed)

        for (name, outcome) in [("healthz_alone", alone), ("healthz_under_pathological_bodies", loaded)] {
            report.results.append(BenchResult(name: name, params: [("pathological_clients", name == "healthz_alone" ? "0" : "4")],
                                              opsPerSecond: outcome.rate, latency: outcome.latency))
        }
        let seen = statuses.withLock { $0 }.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: ", ")
        report.notes.append("healthz_under_pathological_bodies: one client's sequential GET /healthz while four others post 64 KB JSON bodies of "
                            + "`<a `, `&`, `|` or backticks repeated through the gateway (\(sent.load(ordering: .relaxed)) sent, answers \(seen)); "
                            + "target p99 < 10 ms")
    }

    /// Sequential `GET /healthz` on one keep-alive connection for `seconds`.
    static func healthLatency(_ address: SocketAddress, seconds: Double) throws -> (rate: Double, latency: HistogramSnapshot) {
        let connection = try HTTPClientConnection(to: address, timeout: 10)
        defer { connection.close() }
        let histogram = LatencyHistogram()
        let started = HTTPLoad.monotonicSeconds()
        var count = 0
        while HTTPLoad.monotonicSeconds() - started < seconds {
            let began = HTTPLoad.monotonicSeconds()
            let response = try connection.send(.get("/healthz"))
            guard response.status == 200 else { throw RuntimeFailure(description: "/healthz answered \(response.status)") }
            histogram.record(seconds: HTTPLoad.monotonicSeconds() - began)
            count += 1
        }
        return (Double(count) / (HTTPLoad.monotonicSeconds() - started), histogram.snapshot())
    }
}
