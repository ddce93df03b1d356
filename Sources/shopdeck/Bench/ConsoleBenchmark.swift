import Addressing
import Foundation
import HTTP
import Simulator
#if canImport(Glibc)
import Glibc
#endif

/// `shopdeck bench console`: the console as an operator runs it, on a pseudo-terminal of 120×40 —
/// `shopdeck run` idle (CPU of the whole process, bytes drawn), key press to redrawn screen, bytes drawn
/// per second while simulated traffic flows, then `shopdeck demo` left running to see whether its memory
/// stays flat.
struct ConsoleBenchmark {
    let directory: String
    let quick: Bool
    /// How long `demo` runs for the memory figure.
    let soakMinutes: Double

    static let columns = 120
    static let rows = 40
    var idleSeconds: Double { quick ? 10 : 60 }
    var keyPresses: Int { quick ? 30 : 100 }
    var trafficSeconds: Double { quick ? 10 : 30 }

    var executablePath: String { executable }

    private var executable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    private static let environment = ["TERM": "xterm-256color", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"]
    static var consoleEnvironment: [String: String] { environment }

    func run(progress: (String) -> Void) async throws -> BenchReport {
        var report = BenchReport(bench: "console")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let port = try Self.freePort()
        let address = SocketAddress(ip: .v4(0x7F00_0001), port: Int(port))
        progress("starting shopdeck run on a \(Self.columns)×\(Self.rows) terminal")
        let console = try PseudoTerminal([executable, "run", "--data", directory + "/run", "--listen", "127.0.0.1:\(port)"],
                                         columns: Self.columns, rows: Self.rows, environment: Self.environment)
        let client = HTTPClient(timeout: 5, concurrency: 4)
        try await waitUntilServing(address, client: client, console: console)
        try await Task.sleep(nanoseconds: 3_000_000_000)  // the first snapshots and a full first draw

        progress("idle for \(Int(idleSeconds)) s")
        let idle = try await measureIdle(console)
        report.results.append(BenchResult(name: "run_idle", params: [("seconds", "\(Int(idleSeconds))")], opsPerSecond: idle.bytesPerSecond,
                                          extra: [("cpu_percent_of_one_core", idle.cpuPercent), ("bytes_drawn_per_s", idle.bytesPerSecond)]))
        report.notes.append(String(format: "idle shopdeck run: %.3f %% of one core (target ≤ 0.5 %%), %.0f bytes/s drawn", idle.cpuPercent, idle.bytesPerSecond))

        progress("\(keyPresses) key presses")
        let keys = try await measureKeyPresses(console)
        let sorted = keys.sorted()
        let p95 = sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, sorted.count * 95 / 100)]
        report.results.append(.latency("key_to_redraw", keys, params: [("key", "Tab"), ("presses", "\(keys.count)")],
                                       opsPerSecond: 0, extra: [("p95_ms", p95 / 1000)]))
        report.notes.append(String(format: "key press (Tab) to the last byte of the redraw: p50 %.1f ms, p95 %.1f ms (target p95 < 50 ms)",
                                   (sorted.isEmpty ? 0 : sorted[sorted.count / 2]) / 1000, p95 / 1000))

        progress("traffic for \(Int(trafficSeconds)) s")
        let traffic = try await measureTraffic(console, address: address, client: client)
        report.results.append(BenchResult(name: "run_traffic", params: [("seconds", "\(Int(trafficSeconds))"), ("refresh_s", "1")],
                                          opsPerSecond: traffic.bytesPerSecond,
                                          extra: [("bytes_drawn_per_s", traffic.bytesPerSecond), ("requests_per_s", traffic.requestsPerSecond)]))
        report.notes.append(String(format: "drawn while %.0f requests/s flow: %.0f bytes/s (target < 2,048)", traffic.requestsPerSecond, traffic.bytesPerSecond))

        console.type(Array("q".utf8))
        let status = console.stop(seconds: 15)
        report.notes.append("shopdeck run quit with q: " + (status == 0 ? "exit 0" : "wait status \(status)"))

        try await measureAttached(into: &report, progress: progress)

        if soakMinutes > 0 {
            progress("shopdeck demo for \(soakMinutes) min")
            let soak = try await measureDemoMemory(client: client)
            report.results.append(BenchResult(name: "demo_rss", params: [("minutes", String(format: "%g", soakMinutes))], opsPerSecond: 0,
                                              extra: [("rss_after_warmup_mb", soak.first), ("rss_end_mb", soak.last), ("rss_max_mb", soak.max),
                                                      ("slope_mb_per_min", soak.slope), ("floor_first_mb", soak.floorFirst),
                                                      ("floor_last_mb", soak.floorLast), ("floor_slope_mb_per_min", soak.floorSlope),
                                                      ("store_live_mb_per_min", soak.storeSlope),
                                                      ("store_items_per_min", soak.itemsPerMinute)]))
            report.notes.append(String(format: "demo RSS over %g min: %.1f MB after warm-up, %.1f MB at the end, max %.1f MB, trend %+.2f MB/min; "
                                           + "meanwhile the shop stored %.0f new items a minute (%+.2f MB/min of encoded data)",
                                       soakMinutes, soak.first, soak.last, soak.max, soak.slope, soak.itemsPerMinute, soak.storeSlope))
            report.notes.append(String(format: "lowest sample of each minute after warm-up (what the demo holds between retrainings): "
                                           + "%.1f → %.1f MB, trend %+.2f MB/min", soak.floorFirst, soak.floorLast, soak.floorSlope))
            report.notes.append("demo RSS at each minute (MB): " + soak.byMinute.map { String(format: "%.0f", $0) }.joined(separator: " "))
        }
        return report
    }

    private func waitUntilServing(_ address: SocketAddress, client: HTTPClient, console: PseudoTerminal) async throws {
        for _ in 0..<600 {
            if let response = try? await client.send(.get("/healthz"), to: address), response.status == 200,
               !console.chunks(since: 0).isEmpty {
                return
            }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        console.stop()
        throw RuntimeFailure(description: "shopdeck run did not start serving within 60 s (see \(directory)/run/shopdeck.log)")
    }

    func measureIdle(_ console: PseudoTerminal) async throws -> (cpuPercent: Double, bytesPerSecond: Double) {
        guard let before = console.cpuSeconds else { throw RuntimeFailure(description: "cannot read the console's CPU time") }
        let start = DispatchTime.now().uptimeNanoseconds
        try await Task.sleep(nanoseconds: UInt64(idleSeconds * 1e9))
        let end = DispatchTime.now().uptimeNanoseconds
        guard let after = console.cpuSeconds else { throw RuntimeFailure(description: "the console exited while idle") }
        let seconds = Double(end - start) / 1e9
        return ((after - before) / seconds * 100, Double(console.bytes(from: start, to: end)) / seconds)
    }

    /// Presses Tab (focus moves, so the screen changes every time) and times the redraw: from the key's
    /// write to the last byte drawn before the terminal goes quiet for 30 ms. Presses start only when the
    /// terminal has been quiet for 50 ms, so a refresh in progress is not taken for the answer.
    func measureKeyPresses(_ console: PseudoTerminal) async throws -> [Double] {
        var samples: [Double] = []
        for _ in 0..<keyPresses {
            try await waitForQuiet(console, nanoseconds: 50_000_000, limit: 2_000_000_000)
            let pressed = DispatchTime.now().uptimeNanoseconds
            console.type([0x09])
            var last: UInt64?
            while true {
                try await Task.sleep(nanoseconds: 2_000_000)
                let now = DispatchTime.now().uptimeNanoseconds
                let drawn = console.chunks(since: pressed)
                if let newest = drawn.last?.at {
                    last = newest
                    if now - newest >= 30_000_000 { break }
                }
                if now - pressed > 2_000_000_000 {
                    break  // not quiet within 2 s: counted as what was drawn by then (2 s if nothing)
                }
            }
            samples.append(Double((last ?? pressed + 2_000_000_000) - pressed) / 1000)
            console.forget()
        }
        return samples
    }

    func waitForQuiet(_ console: PseudoTerminal, nanoseconds quiet: UInt64, limit: UInt64) async throws {
        let start = DispatchTime.now().uptimeNanoseconds
        while DispatchTime.now().uptimeNanoseconds - start < limit {
            let now = DispatchTime.now().uptimeNanoseconds
            if console.chunks(since: now - quiet).isEmpty { return }
            try await Task.sleep(nanoseconds: 5_000_000)
        }
    }

    private func measureTraffic(_ console: PseudoTerminal, address: SocketAddress,
                                client: HTTPClient) async throws -> (bytesPerSecond: Double, requestsPerSecond: Double) {
        let listing = try await client.send(.get("/api/products?limit=50"), to: address)
        let products = ((try? JSONSerialization.jsonObject(with: Data(listing.body)) as? [String: Any])?["items"] as? [[String: Any]] ?? [])
            .compactMap { $0["id"] as? String }
        guard !products.isEmpty else { throw RuntimeFailure(description: "the shop listed no products (status \(listing.status))") }
        let simulator = Simulator(settings: .init(target: address, scenario: "normal", seed: 1, rate: 150, products: products, hotProduct: products[0]))
        let traffic = Task { await simulator.run() }
        // Shoppers sign up and in first (password hashing at full strength); measure once they shop.
        for _ in 0..<300 where simulator.tally.requests < 200 { try await Task.sleep(nanoseconds: 100_000_000) }
        let requestsBefore = simulator.tally.requests
        let start = DispatchTime.now().uptimeNanoseconds
        try await Task.sleep(nanoseconds: UInt64(trafficSeconds * 1e9))
        let end = DispatchTime.now().uptimeNanoseconds
        let requests = simulator.tally.requests - requestsBefore
        simulator.stop()
        await traffic.value
        let seconds = Double(end - start) / 1e9
        return (Double(console.bytes(from: start, to: end)) / seconds, Double(requests) / seconds)
    }

    /// What the soak found: RSS after warm-up, at the end and at most, and the trends (least squares over
    /// the samples after warm-up) of RSS, of each minute's lowest RSS sample, and of the data the shop keeps
    /// (its store's live bytes and items).
    struct DemoMemory {
        var first: Double, last: Double, max: Double, slope: Double
        var floorFirst: Double, floorLast: Double, floorSlope: Double
        var storeSlope: Double, itemsPerMinute: Double
        /// RSS at the end of each minute, MB.
        var byMinute: [Double]
    }

    private func measureDemoMemory(client: HTTPClient) async throws -> DemoMemory {
        let port = try Self.freePort()
        let demo = try PseudoTerminal([executable, "demo", "--seed", "1", "--data", directory + "/demo", "--listen", "127.0.0.1:\(port)"],
                                      columns: Self.columns, rows: Self.rows, environment: Self.environment)
        let address = SocketAddress(ip: .v4(0x7F00_0001), port: Int(port))
        let interval = quick ? 5.0 : 15.0
        let samples = max(4, Int(soakMinutes * 60 / interval))
        var points: [(minutes: Double, megabytes: Double, storeMegabytes: Double?, items: Double?)] = []
        for index in 1...samples {
            try await Task.sleep(nanoseconds: UInt64(interval * 1e9))
            demo.forget()
            guard let rss = demo.residentMegabytes else { break }
            let store = await Self.storeSize(address, client: client)
            points.append((Double(index) * interval / 60, rss, store.map { $0.liveBytes / 1e6 }, store?.items))
        }
        demo.type(Array("q".utf8))
        demo.stop(seconds: 30)
        // The first third is warm-up (history loaded, first model trained, every account signed in).
        let steady = Array(points.dropFirst(points.count / 3))
        guard let first = steady.first, let last = steady.last else { throw RuntimeFailure(description: "demo exited early") }
        let stored = steady.compactMap { point in point.storeMegabytes.map { (point.minutes, $0, point.items ?? 0) } }
        let floors = Self.minuteFloors(steady.map { ($0.minutes, $0.megabytes) })
        return DemoMemory(first: first.megabytes, last: last.megabytes, max: points.map(\.megabytes).max() ?? 0,
                          slope: Self.trend(steady.map { ($0.minutes, $0.megabytes) }),
                          floorFirst: floors.first?.y ?? first.megabytes, floorLast: floors.last?.y ?? last.megabytes, floorSlope: Self.trend(floors),
                          storeSlope: Self.trend(stored.map { ($0.0, $0.1) }), itemsPerMinute: Self.trend(stored.map { ($0.0, $0.2) }),
                          byMinute: points.filter { abs($0.minutes - $0.minutes.rounded()) < 1e-9 }.map(\.megabytes))
    }

    /// The store's live bytes and item count from the demo's `/status`, or nil when it does not answer.
    private static func storeSize(_ address: SocketAddress, client: HTTPClient) async -> (liveBytes: Double, items: Double)? {
        guard let response = try? await client.send(.get("/status"), to: address), response.status == 200,
              let status = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
              let store = (status["components"] as? [String: Any])?["store"] as? [String: Any],
              let live = store["liveBytes"] as? Double, let items = store["items"] as? Double else { return nil }
        return (live, items)
    }

    /// Each minute's lowest sample (a sample at 2.25 min belongs to minute 3, one at 3.0 too): what the demo
    /// holds between retrainings, whose transient peaks would otherwise tilt a trend by where they fall.
    static func minuteFloors(_ points: [(minutes: Double, megabytes: Double)]) -> [(x: Double, y: Double)] {
        var floors: [Int: Double] = [:]
        for point in points {
            let minute = Int((point.minutes - 1e-9).rounded(.up))
            floors[minute] = min(floors[minute] ?? .infinity, point.megabytes)
        }
        return floors.keys.sorted().map { (Double($0), floors[$0]!) }
    }

    /// The least-squares slope of `y` over `x` (0 for fewer than two distinct x).
    static func trend(_ points: [(x: Double, y: Double)]) -> Double {
        guard !points.isEmpty else { return 0 }
        let meanX = points.map(\.x).reduce(0, +) / Double(points.count)
        let meanY = points.map(\.y).reduce(0, +) / Double(points.count)
        let covariance = points.reduce(0) { $0 + ($1.x - meanX) * ($1.y - meanY) }
        let variance = points.reduce(0) { $0 + ($1.x - meanX) * ($1.x - meanX) }
        return variance > 0 ? covariance / variance : 0
    }

    /// A loopback port nobody listens on right now.
    static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw RuntimeFailure(description: "cannot find a free port: \(String(cString: strerror(errno)))") }
        return UInt16(bigEndian: address.sin_port)
    }
}
