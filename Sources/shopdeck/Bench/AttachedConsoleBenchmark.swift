import Addressing
import Foundation
import HTTP
#if canImport(Glibc)
import Glibc
#endif

/// The attached half of `bench console` (issue 17): `shopdeck serve` as a child process, its CPU measured
/// idle alone and then with `shopdeck console --connect` attached on a 120×40 pseudo-terminal — what a
/// console adds to the shop — and the console's own idle CPU, key-press-to-redraw latency over loopback, and
/// the bytes each refresh fetches.
extension ConsoleBenchmark {
    func measureAttached(into report: inout BenchReport, progress: (String) -> Void) async throws {
        let port = try Self.freePort()
        let address = SocketAddress(ip: .v4(0x7F00_0001), port: Int(port))
        let data = directory + "/serve"
        let serve = Process()
        serve.executableURL = URL(fileURLWithPath: executablePath)
        serve.arguments = ["serve", "--data", data, "--listen", "127.0.0.1:\(port)"]
        serve.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        serve.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try serve.run()
        defer {
            serve.terminate()
            serve.waitUntilExit()
        }
        let client = HTTPClient(timeout: 5, concurrency: 2)
        for _ in 0..<600 {
            if let response = try? await client.send(.get("/healthz"), to: address), response.status == 200 { break }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        try await Task.sleep(nanoseconds: 3_000_000_000)  // start-up work settles

        progress("serve idle alone for \(Int(idleSeconds)) s")
        let alone = try await serveCPUPercent(serve.processIdentifier, seconds: idleSeconds)

        progress("attaching shopdeck console --connect")
        let console = try PseudoTerminal([executablePath, "console", "--connect", "http://127.0.0.1:\(port)", "--token-file", data + "/admin-token"],
                                         columns: Self.columns, rows: Self.rows, environment: Self.consoleEnvironment)
        defer { console.stop(seconds: 5) }
        try await Task.sleep(nanoseconds: 3_000_000_000)  // the first snapshot and a full first draw
        progress("serve and the attached console idle for \(Int(idleSeconds)) s")
        async let attached = serveCPUPercent(serve.processIdentifier, seconds: idleSeconds)
        let idle = try await measureIdle(console)
        let withConsole = try await attached

        progress("\(keyPresses) key presses, attached")
        let keys = try await measureKeyPresses(console)
        let sorted = keys.sorted()
        let p95 = sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, sorted.count * 95 / 100)]

        var request = HTTPClientRequest.get("/admin/dashboard")
        let token = (try? String(contentsOfFile: data + "/admin-token", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        request.headers.set("Authorization", "Bearer \(token)")
        progress("fetching one dashboard snapshot")
        let snapshot = try await client.send(request, to: address)
        progress("quitting the console and serve")
        console.type(Array("q".utf8))
        let quit = console.waitForExit(seconds: 10)
        let status = console.stop(seconds: 1)

        report.results.append(BenchResult(name: "attached_console_idle", params: [("seconds", "\(Int(idleSeconds))"), ("refresh_s", "1")],
                                          opsPerSecond: idle.bytesPerSecond,
                                          extra: [("console_cpu_percent_of_one_core", idle.cpuPercent), ("serve_cpu_percent_alone", alone),
                                                  ("serve_cpu_percent_attached", withConsole), ("serve_cpu_added_percent", withConsole - alone),
                                                  ("dashboard_bytes_per_refresh", Double(snapshot.body.count)), ("bytes_drawn_per_s", idle.bytesPerSecond)]))
        report.results.append(.latency("attached_key_to_redraw", keys, params: [("key", "Tab"), ("presses", "\(keys.count)")], opsPerSecond: 0,
                                       extra: [("p95_ms", p95 / 1000)]))
        report.notes.append(String(format: "attached console (console --connect over loopback), idle: %.3f %% of one core (target ≤ 0.5 %%); serve %.3f %% alone, "
                                       + "%.3f %% with it attached: %+.3f %% (target ≤ 0.5 %%); %d bytes of dashboard JSON per refresh; key to redraw p95 %.1f ms "
                                       + "(target < 50 ms); quit with q: %@",
                                   idle.cpuPercent, alone, withConsole, withConsole - alone, snapshot.body.count, p95 / 1000,
                                   !quit ? "still running after 10 s" : status == 0 ? "exit 0" : "wait status \(status)"))
    }

    /// `pid`'s CPU over `seconds`, in per cent of one core.
    func serveCPUPercent(_ pid: Int32, seconds: Double) async throws -> Double {
        let before = HTTPBenchmark.cpuSeconds(of: pid)
        let start = DispatchTime.now().uptimeNanoseconds
        try await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return (HTTPBenchmark.cpuSeconds(of: pid) - before) / elapsed * 100
    }
}
