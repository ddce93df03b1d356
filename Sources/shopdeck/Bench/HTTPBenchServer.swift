import Foundation
import HTTP
import Shop
import Telemetry

/// The server side of `bench http`, in a child process so that its memory is measured alone.
///
/// The benchmark runs its own executable with `SHOPDECK_HTTP_BENCH_SERVER=DIR`; `main` sees the variable and
/// calls `runInChild`, which opens the core in DIR, serves it on an ephemeral loopback port with two fixture
/// routes added, prints `ready PORT`, and shuts down when its standard input closes (the parent is done or died).
enum HTTPBenchServer {
    static let environmentKey = "SHOPDECK_HTTP_BENCH_SERVER"

    /// The same document the nginx anchor serves (`../shared/bench/http-anchor.sh`), 572 bytes.
    static let productBody: [UInt8] = Array(
        (#"{"id":"p1","name":"Sencha green tea, 100 g","category":"tea","price":1280,"currency":"JPY","stock":42,"tags":["tea","green","organic"],"description":""#
            + String(repeating: "x", count: 420) + #""}"#).utf8)

    static let productPath = "/bench/products/p1"
    static let postPath = "/bench/echo"

    static func runInChild(directory: String) async -> Int32 {
        let core: Core
        do throws(CoreError) {
            core = try await Core.open(options: CoreOptions(dataDirectory: directory, logger: Logger(label: "bench", minimumLevel: .warning)))
        } catch {
            print("error \(error)")
            return 1
        }
        let reference = ServerReference()
        var router = core.router(server: reference)
        router.get("/bench/products/{id}", .immediate { _, _ in .json(bytes: productBody) })
        router.post(postPath, .immediate { request, _ in .json(#"{"received":\#(request.body.count)}"#, status: 201) })
        var limits = HTTPLimits()
        limits.maxConnectionsPerIP = 4096
        let server = HTTPServer(configuration: HTTPServerConfiguration(address: SocketAddress(ip: .v4(0x7F00_0001), port: 0), limits: limits),
                                router: router, metrics: core.metrics)
        do {
            let address = try server.start()
            reference.set(server)
            FileHandle.standardOutput.write(Data("ready \(address.port)\n".utf8))
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
