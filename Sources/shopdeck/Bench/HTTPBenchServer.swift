import Addressing
import Foundation
import HTTP
import Shop
import ShopHTTP
import Telemetry
import WAF

/// The server side of `bench http`, in a child process so that its memory is measured alone.
///
/// The benchmark runs its own executable with `SHOPDECK_HTTP_BENCH_SERVER=DIR`; `main` sees the variable and
/// calls `runInChild`, which opens the core in DIR, prepares the shop for load (an API key with a generous plan,
/// deep stock on the first products, signed-in shoppers), serves it on an ephemeral loopback port with two
/// fixture routes added, prints `ready PORT KEY TOKEN,TOKEN…`, and shuts down when its standard input closes.
enum HTTPBenchServer {
    static let environmentKey = "SHOPDECK_HTTP_BENCH_SERVER"

    /// The same document the nginx anchor serves (`../shared/bench/http-anchor.sh`), 572 bytes.
    static let productBody: [UInt8] = Array(
        (#"{"id":"p1","name":"Sencha green tea, 100 g","category":"tea","price":1280,"currency":"JPY","stock":42,"tags":["tea","green","organic"],"description":""#
            + String(repeating: "x", count: 420) + #""}"#).utf8)

    static let productPath = "/bench/products/p1"
    static let postPath = "/bench/echo"
    /// Products the order benchmark buys, restocked deep enough never to run out.
    static let orderedProducts = (1...100).map { "p\($0)" }
    static let shoppers = 8

    /// What the child prepared, as the parent reads it from the ready line.
    struct Fixture {
        var port: Int
        var apiKey: String
        var tokens: [String]

        var line: String { "ready \(port) \(apiKey) \(tokens.joined(separator: ","))" }

        init(port: Int, apiKey: String, tokens: [String]) {
            self.port = port
            self.apiKey = apiKey
            self.tokens = tokens
        }

        init?(line: Substring) {
            let fields = line.split(separator: " ")
            guard fields.count == 4, fields[0] == "ready", let port = Int(fields[1]) else { return nil }
            self.init(port: port, apiKey: String(fields[2]), tokens: fields[3].split(separator: ",").map(String.init))
        }
    }

    /// A key whose plan never throttles the load, stock for every order, and shoppers' tokens.
    private static func prepare(_ core: Core) async throws -> (apiKey: String, tokens: [String]) {
        // The load comes from one address, far over the rate rule's 600 per 5 minutes; the benchmark measures
        // serving (the detectors stay on), so the rate rule is switched off for this process only.
        try core.waf.setAction(.off, forRule: "rate-limit")
        let key = try await core.apiKeys.create(name: "bench", plan: UsagePlan(rate: 1_000_000, burst: 1_000_000), now: Date())
        for id in orderedProducts { try await core.catalog.setStock(id, to: 1_000_000_000) }
        var tokens: [String] = []
        for index in 0..<shoppers {
            let email = "bench-shopper-\(index)@example.com", password = "bench-password-\(index)-ok"
            _ = try await core.accounts.signUp(email: email, password: password)
            tokens.append(try await core.accounts.signIn(email: email, password: password, clientIP: .v4(0x7F00_0001)).token)
        }
        return (key.secret, tokens)
    }

    static func runInChild(directory: String) async -> Int32 {
        let core: Core
        let logger: Logger
        do {
            // Every request logged to a file, as `serve` logs them and as the nginx anchor does with ACCESS_LOG=1.
            logger = try ShopRuntime.fileLogger(directory: directory)
            core = try await Core.open(options: CoreOptions(dataDirectory: directory, logger: logger.labeled("core")))
        } catch {
            print("error \(error)")
            return 1
        }
        let prepared: (apiKey: String, tokens: [String])
        do {
            prepared = try await prepare(core)
        } catch {
            print("error preparing the shop: \(error)")
            await core.close()
            return 1
        }
        let reference = ServerReference()
        let edge = ShopEdge(core: core)
        var router = edge.router(server: reference)
        router.get("/bench/products/{id}", .immediate { _, _ in .json(bytes: productBody) })
        router.post(postPath, .immediate { request, _ in .json(#"{"received":\#(request.body.count)}"#, status: 201) })
        var limits = HTTPLimits()
        limits.maxConnectionsPerIP = 4096
        let server = HTTPServer(configuration: HTTPServerConfiguration(address: SocketAddress(ip: .v4(0x7F00_0001), port: 0), limits: limits),
                                router: router, metrics: core.metrics, accessLog: logger.labeled("http"), observer: edge.observer)
        do {
            let address = try server.start()
            reference.set(server)
            let fixture = Fixture(port: address.port, apiKey: prepared.apiKey, tokens: prepared.tokens)
            FileHandle.standardOutput.write(Data((fixture.line + "\n").utf8))
        } catch {
            print("error \(error)")
            await core.close()
            return 1
        }
        await waitForStandardInputToClose()
        await server.shutdown(grace: 1)
        await core.close()
        return 0
    }

    private static func waitForStandardInputToClose() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread {
                var byte: UInt8 = 0
                while read(STDIN_FILENO, &byte, 1) > 0 {}
                continuation.resume()
            }.start()
        }
    }
}
