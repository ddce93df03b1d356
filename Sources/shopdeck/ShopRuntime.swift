import Addressing
import Foundation
import HTTP
import Shop
import ShopHTTP
import Telemetry

/// Opening the core and its HTTP server, the same for `serve`, `run` and `demo`.
enum ShopRuntime {
    /// A logger writing to `DIR/shopdeck.log` (the directory created if missing), for the commands whose
    /// terminal belongs to the console.
    static func fileLogger(directory: String) throws -> Logger {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        do throws(LogFileError) {
            let sink = try FileLogSink(path: directory + "/shopdeck.log")
            FatalSignals.install(logDescriptor: sink.descriptor, json: false)
            return Logger(label: "shopdeck", sink: sink, recent: RecentLogLines())
        } catch {
            throw RuntimeFailure(description: error.description)
        }
    }

    static func openCore(directory: String, options: ShopOptions, logger: Logger,
                         configure: (inout CoreOptions) -> Void = { _ in }) async throws -> Core {
        var coreOptions = CoreOptions(dataDirectory: directory, logger: logger.labeled("core"), trustedProxies: options.trustedProxies)
        coreOptions.paymentFailureRate = options.paymentFailureRate
        coreOptions.retention = options.retention
        configure(&coreOptions)
        do throws(CoreError) {
            return try await Core.open(options: coreOptions)
        } catch {
            throw RuntimeFailure(description: error.description)
        }
    }

    /// The core's router behind an HTTP server on `address`, its requests counted for the console. The core
    /// is closed if the address cannot be bound.
    static func listen(_ core: Core, on address: SocketAddress, logger: Logger,
                       closingOnFailure: Bool = true) async throws -> (server: HTTPServer, address: SocketAddress) {
        let reference = ServerReference()
        let edge = ShopEdge(core: core)
        let server = HTTPServer(configuration: HTTPServerConfiguration(address: address), router: edge.router(server: reference),
                                clock: core.options.clock, metrics: core.metrics, accessLog: logger.labeled("http"), observer: edge.observer)
        do {
            let bound = try server.start()
            reference.set(server)
            return (server, bound)
        } catch {
            if closingOnFailure { await core.close() }
            throw RuntimeFailure(description: "cannot listen on \(address): \(error.cause)")
        }
    }
}
