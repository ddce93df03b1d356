import Addressing
import Foundation
import Testing
import Broker
import HTTP
import Telemetry
@testable import Shop
@testable import ShopHTTP

@Suite struct CoreTests {
    func openCore(_ directory: String, clock: ManualClock = ManualClock(), log: MemoryLogSink = MemoryLogSink()) async throws(CoreError) -> Core {
        var options = CoreOptions(dataDirectory: directory, clock: clock, logger: Logger(label: "test", sink: log, clock: clock))
        options.store.maintenanceIntervalSeconds = nil
        options.broker.maintenanceIntervalSeconds = nil
        options.catalog = { TestShop.products }
        return try await Core.open(options: options)
    }

    @Test func opensEveryComponentUnderTheDataDirectoryAndHoldsItsLock() async throws {
        let directory = temporaryDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let core = try await openCore(directory)
        for component in ["store", "broker", "scheduler", "sagas", "audit", "admin-token", "token-key"] {
            #expect(FileManager.default.fileExists(atPath: directory + "/" + component))
        }
        await #expect(throws: CoreError.self) { _ = try await openCore(directory) }
        do {
            _ = try await openCore(directory)
        } catch {
            #expect(error.description == "data directory \(directory) is locked by another shopdeck process (pid \(getpid()))")
        }
        await core.close()
        let reopened = try await openCore(directory)
        await reopened.close()
    }

    @Test func subscriptionsLeftByAnEarlierVersionAreReplacedSoNoQueueGetsAMessageTwice() async throws {
        let directory = temporaryDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let core = try await openCore(directory)
        _ = try await core.broker.subscribe(topic: Orders.topic, queue: Messaging.analytics)  // unfiltered, as before
        #expect(try await core.broker.subscriptions(of: Orders.topic).count == 4)
        await core.close()
        let reopened = try await openCore(directory)
        let subscriptions = try await reopened.broker.subscriptions(of: Orders.topic)
        #expect(subscriptions.count == 3)
        #expect(subscriptions.filter { $0.queue == Messaging.analytics }.count == 1)
        await reopened.close()
    }

    @Test func anUnwritableDataDirectorySaysSo() async throws {
        await #expect(throws: CoreError.self) { _ = try await openCore("/proc/shopdeck-cannot-be-here") }
        do {
            _ = try await openCore("/proc/shopdeck-cannot-be-here")
        } catch {
            #expect(error.description.contains("/proc/shopdeck-cannot-be-here"))
        }
    }

    @Test func statusReportsComponentsAndPostureFindings() async throws {
        let directory = temporaryDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let core = try await openCore(directory)
        var source = QueueConfiguration(name: "orders")
        source.redrivePolicy = RedrivePolicy(deadLetterQueue: "orders-dlq", maxReceiveCount: 1)
        try await core.broker.createQueue(QueueConfiguration(name: "orders-dlq"))
        try await core.broker.createQueue(source)
        _ = try await core.broker.send("orders", OutgoingMessage(body: "o-1"))
        _ = try await core.engines!.broker.receive("orders", visibilityTimeout: 0)
        _ = try await core.broker.receive("orders")  // the second receive moves it to the DLQ

        let report = core.status(listening: SocketAddress(parsing: "0.0.0.0:8080"), openConnections: 3)
        #expect(report.overall == .ok)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(report.json.utf8)) as? [String: Any])
        #expect(document["status"] as? String == "ok")
        let components = try #require(document["components"] as? [String: [String: Any]])
        #expect(components["broker"]?["queues"] as? Int == 10)
        #expect(components["broker"]?["deadLettered"] as? Int == 1)
        #expect(components["gateway"]?["openConnections"] as? Int == 3)
        let messages = report.findings.map(\.message)
        #expect(messages.contains { $0.contains("dead-letter queue orders-dlq") })
        #expect(messages.contains { $0.contains("TLS") })
        #expect(messages.contains { $0.contains("reachable from other machines") })

        let down = core.status(listening: nil, openConnections: nil)
        #expect(down.overall == .down)
        await core.close()
    }

    @Test func systemRoutesOverHTTP() async throws {
        let directory = temporaryDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let core = try await openCore(directory)
        var router = Router()
        let reference = ServerReference()
        let edge = ShopEdge(core: core)
        edge.addSystemRoutes(to: &router, server: reference)
        #expect(edge.router(server: reference).routes.count > router.routes.count)
        let server = HTTPServer(configuration: HTTPServerConfiguration(address: SocketAddress(parsing: "127.0.0.1:0")!, eventLoops: 1),
                                router: router, metrics: core.metrics)
        let address = try server.start()
        reference.set(server)
        let client = HTTPClient(timeout: 5)
        #expect(try await client.send(.get("/healthz"), to: address).text == "ok")
        let status = try await client.send(.get("/status"), to: address)
        #expect(status.status == 200)
        #expect(status.text.contains(#""listen":"127.0.0.1:\#(address.port)""#))
        #expect(try await client.send(.get("/metrics"), to: address).text.contains("shopdeck_store_"))
        await core.close()
        #expect(try await client.send(.get("/healthz"), to: address).status == 503)
        client.closeIdleConnections()
        await server.shutdown(grace: 0)
    }
}
