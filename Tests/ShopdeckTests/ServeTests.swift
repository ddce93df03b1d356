import CrashHarness
import Addressing
import Foundation
import Synchronization
import Testing
import HTTP

/// A `shopdeck serve` child process, spawned without Foundation's `Process` (see `SpawnedChild`).
final class ServeProcess: Sendable {
    let child: SpawnedChild
    let port: Int
    let readyLine: String
    /// Everything the child wrote to standard output (its log) after the ready line.
    private let captured = OutputCapture()
    /// Everything it wrote to standard error; `errorsEnded` is signalled when that reached its end.
    private let errors = OutputCapture()
    private let errorsEnded = DispatchSemaphore(value: 0)

    /// Lines the child printed before its ready line (a backend's report, for instance).
    let preamble: [String]

    /// Starts `shopdeck serve ARGS…` (with `environment` added to the test's own) and waits for its ready
    /// line; throws with what it printed if it exits first.
    init(_ arguments: [String], environment: [String: String] = [:]) throws {
        child = try SpawnedChild(ExecutableTests.executable, ["serve"] + arguments,
                                 environment: ProcessInfo.processInfo.environment.merging(environment) { _, new in new })
        // Standard error drains on a thread of its own so the child never blocks on a full pipe.
        Thread { [child, errors, errorsEnded] in
            while let piece = child.readError() { errors.bytes.withLock { $0 += piece } }
            errorsEnded.signal()
        }.start()
        var text = ""
        while !text.contains("shopdeck listening on ") || !text.hasSuffix("\n") {
            guard let piece = child.readOutput() else { break }
            text += String(decoding: piece, as: UTF8.self)
        }
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("shopdeck listening on ") }),
              let url = line.split(separator: " ").first(where: { $0.hasPrefix("http://") }),
              let port = Int(url.split(separator: ":").last ?? "") else {
            kill(child.pid, SIGTERM)
            _ = child.wait()
            errorsEnded.wait()
            throw ServeFailure(output: text + errors.bytes.withLock { String(decoding: $0, as: UTF8.self) })
        }
        self.port = port
        readyLine = String(line)
        preamble = text.split(separator: "\n").prefix { !$0.hasPrefix("shopdeck listening on ") }.map(String.init)
        // Keep draining stdout so the child never blocks on a full pipe; keep the last megabyte.
        Thread { [child, captured] in
            while let piece = child.readOutput() {
                captured.bytes.withLock { bytes in
                    bytes.append(contentsOf: piece)
                    if bytes.count > 1 << 20 { bytes.removeFirst(bytes.count - (1 << 20)) }
                }
            }
        }.start()
    }

    /// The log (standard output) so far, after the ready line.
    var log: String { captured.bytes.withLock { String(decoding: $0, as: UTF8.self) } }

    /// Standard error, once the process has exited (waits for its end).
    var standardError: String {
        errorsEnded.wait()
        errorsEnded.signal()
        return errors.bytes.withLock { String(decoding: $0, as: UTF8.self) }
    }

    var address: SocketAddress { SocketAddress(ip: .v4(0x7F00_0001), port: port) }
    var pid: Int32 { child.pid }

    /// Sends `signal` and waits for the exit status: the exit code, or 128 + the signal that ended it.
    func stop(_ signal: Int32 = SIGTERM) -> Int32 {
        kill(child.pid, signal)
        return child.wait()
    }

    var residentMegabytes: Double {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/statm", encoding: .utf8),
              let pages = Double(text.split(separator: " ")[1]) else { return 0 }
        return pages * 4096 / 1_048_576
    }

    struct ServeFailure: Error, CustomStringConvertible {
        let output: String
        var description: String { "serve did not become ready: \(output)" }
    }
}

/// A child's output as it arrives, read by the test.
final class OutputCapture: Sendable {
    let bytes = Mutex<[UInt8]>([])
}

func temporaryDirectory(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString.prefix(8))").path
}

@Suite struct ServeTests {
    @Test func servesHealthStatusAndMetricsAndStopsCleanlyOnSIGTERM() async throws {
        let directory = temporaryDirectory("serve")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let serve = try await onThread { try ServeProcess(["--data", directory, "--listen", "127.0.0.1:0"]) }
        #expect(serve.readyLine == "shopdeck listening on http://127.0.0.1:\(serve.port) data=\(directory)")
        let address = serve.address
        let (health, status, metrics) = try await onThread {
            let connection = try HTTPClientConnection(to: address, timeout: 10)
            return (try connection.send(.get("/healthz")), try connection.send(.get("/status")), try connection.send(.get("/metrics")))
        }
        #expect(health.status == 200 && health.text == "ok")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(status.body)) as? [String: Any])
        #expect(document["status"] as? String == "ok")
        let components = try #require(document["components"] as? [String: [String: Any]])
        #expect(Set(components.keys).isSuperset(of: ["store", "broker", "scheduler", "sagas", "gateway"]))
        #expect(components["store"]?["status"] as? String == "ok")
        let findings = try #require(document["findings"] as? [[String: String]])
        #expect(findings.contains { $0["message"]?.contains("TLS") == true && $0["severity"] == "warning" })
        #expect(metrics.text.contains(#"shopdeck_http_requests_total{route="GET /healthz",status="2xx"} 1"#))
        #expect(metrics.headers["Content-Type"]?.hasPrefix("text/plain; version=0.0.4") == true)

        #expect(try await onThread { serve.stop(SIGTERM) } == 0)
        // The lock is released: the directory opens again.
        let again = try await onThread { try ServeProcess(["--data", directory, "--listen", "127.0.0.1:0"]) }
        #expect(try await onThread { again.stop(SIGINT) } == 0)
    }

    @Test func aSecondProcessOnTheSameDataDirectoryIsRefusedNamingTheHolder() async throws {
        let directory = temporaryDirectory("serve-lock")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try await onThread { try ServeProcess(["--data", directory, "--listen", "127.0.0.1:0"]) }
        let second = try await onThread { try ExecutableTests().run(["serve", "--data", directory, "--listen", "127.0.0.1:0"]) }
        #expect(second.status == 1)
        #expect(second.stderr.contains("locked by another shopdeck process (pid \(first.pid))"))
        #expect(second.stderr.split(separator: "\n").count == 1)
        #expect(try await onThread { first.stop() } == 0)
    }

    @Test func aPortInUseIsAOneLineFailure() async throws {
        let directory = temporaryDirectory("serve-port")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let holder = try await onThread { try ServeProcess(["--data", directory, "--listen", "127.0.0.1:0"]) }
        let other = temporaryDirectory("serve-port-2")
        defer { try? FileManager.default.removeItem(atPath: other) }
        let clash = try await onThread { try ExecutableTests().run(["serve", "--data", other, "--listen", "127.0.0.1:\(holder.port)"]) }
        #expect(clash.status == 1)
        #expect(clash.stderr.contains("cannot listen on 127.0.0.1:\(holder.port): address already in use"))
        #expect(try await onThread { holder.stop() } == 0)
    }

    @Test func aThousandMalformedConnectionsLeaveTheServerServingWithFlatMemory() async throws {
        let directory = temporaryDirectory("serve-abuse")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let serve = try await onThread { try ServeProcess(["--data", directory, "--listen", "127.0.0.1:0"]) }
        let address = serve.address
        let shapes = [
            "GARBAGE\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
            "GET /" + String(repeating: "a", count: 9000) + " HTTP/1.1\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nX: " + String(repeating: "b", count: 40_000) + "\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\n",  // cut off: the client leaves
            "\u{00}\u{01}\u{02}\u{FF}\r\n\r\n",
        ].map { Array($0.utf8) }
        @Sendable func abuse(_ count: Int) throws {
            for index in 0..<count {
                let connection = try HTTPClientConnection(to: address, timeout: 10)
                try? connection.sendRaw(shapes[index % shapes.count])
                if index % shapes.count != 5 { _ = connection.readUntilClosed() }
                connection.close()
            }
        }
        try await onThread { try abuse(300) }  // warm the allocator up first
        let before = serve.residentMegabytes
        try await onThread { try abuse(1000) }
        let after = serve.residentMegabytes
        #expect(abs(after - before) <= 10, "RSS went from \(before) MB to \(after) MB")
        let health = try await onThread { try HTTPClientConnection(to: address, timeout: 10).send(.get("/healthz")) }
        #expect(health.text == "ok")
        #expect(try await onThread { serve.stop() } == 0)
    }
}

/// Issue 16: the request that took the shop down, and what a crash leaves behind.
@Suite struct CrashEvidenceTests {
    /// Found: `GET /api/products?q=/*!` killed `serve` (SIGILL) without a word.
    @Test func theThreeCharacterRequestThatCrashedServeIsAnswered() async throws {
        let directory = temporaryDirectory("serve-crash")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let serve = try await onThread { try ServeProcess(["--data", directory, "--listen", "127.0.0.1:0"]) }
        let address = serve.address
        let (search, agent, health) = try await onThread {
            let connection = try HTTPClientConnection(to: address, timeout: 10)
            var withAgent = HTTPClientRequest.get("/api/products")
            withAgent.headers.set("User-Agent", "/*!")
            return (try connection.send(.get("/api/products?q=/*!")), try connection.send(withAgent), try connection.send(.get("/healthz")))
        }
        #expect(search.status == 200, "\(search.text)")
        #expect(agent.status == 200, "\(agent.text)")
        #expect(health.status == 200)
        // Found by schemathesis: a tag character (U+E0050) in a product id; the 404 quoting it killed serve.
        let (tagged, after) = try await onThread {
            let connection = try HTTPClientConnection(to: address, timeout: 10)
            return (try connection.send(.get("/api/products/%F3%A0%81%90")), try connection.send(.get("/healthz")))
        }
        #expect(tagged.status == 404, "\(tagged.text)")
        #expect(tagged.text.contains("\\udb40\\udc50"), "\(tagged.text)")
        #expect(after.status == 200)
        #expect(try await onThread { serve.stop(SIGTERM) } == 0)
    }

    /// A fatal signal writes one line naming it to standard error and to the log (standard output for
    /// `serve`), then the process dies of that signal as before.
    @Test(arguments: [(SIGSEGV, "SIGSEGV"), (SIGILL, "SIGILL"), (SIGBUS, "SIGBUS"), (SIGABRT, "SIGABRT")])
    func aFatalSignalLeavesALineInTheLogAndOnStandardError(_ signal: Int32, _ name: String) async throws {
        let directory = temporaryDirectory("serve-signal")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let serve = try await onThread { try ServeProcess(["--data", directory, "--listen", "127.0.0.1:0", "--log-format", "json"]) }
        let status = try await onThread { serve.stop(signal) }
        #expect(status == 128 + signal, "it died of the signal, not an exit")
        let line = try #require(serve.log.split(separator: "\n").last { $0.contains("fatal signal") }, "log: \(serve.log)")
        let entry = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String], "\(line)")
        #expect(entry["level"] == "error")
        #expect(entry["msg"]?.hasPrefix("fatal signal \(name) (") == true, "\(line)")
        #expect(serve.standardError.contains("fatal signal \(name) ("))
    }
}
