import Addressing
import Foundation
import HTTP
import Testing
import Telemetry
@testable import Shop
@testable import ShopHTTP

func temporaryDataDirectory() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("shop-\(UUID().uuidString.prefix(8))").path
}

/// Polls `condition` until it holds (yielding and napping a millisecond between tries); fails after ~20 s.
func eventually(_ what: String = "condition", _ condition: () async throws -> Bool) async throws {
    for _ in 0..<20_000 {
        if try await condition() { return }
        try await Task.sleep(nanoseconds: 1_000_000)
    }
    Issue.record("\(what) never held")
}

/// The core on an ephemeral port with a manual clock, a small catalog and cheap password hashing, driven over
/// real HTTP by a pooled client.
struct TestShop {
    let core: Core
    let edge: ShopEdge
    let server: HTTPServer
    let address: SocketAddress
    let clock: ManualClock
    let client: HTTPClient
    let directory: String
    let log: MemoryLogSink

    static let products: [Product] = CatalogGenerator.products(count: 30) + [
        Product(id: "hot-1", name: "Limited sneaker", category: "sneakers", price: 19_800, stock: 50, tags: ["sneakers", "limited"],
                description: "The flash-sale shoe."),
    ]

    static func start(directory: String = temporaryDataDirectory(), clock: ManualClock = ManualClock(),
                      configure: (inout CoreOptions) -> Void = { _ in }) async throws -> TestShop {
        let log = MemoryLogSink()
        var options = CoreOptions(dataDirectory: directory, clock: clock, logger: Logger(label: "shop", sink: log, clock: clock))
        options.store.maintenanceIntervalSeconds = nil
        options.broker.maintenanceIntervalSeconds = nil
        options.accounts.passwordIterations = 10  // debug-build SHA-256 is slow; the iteration count is not under test
        options.paymentLatency = 0
        options.catalog = { products }
        configure(&options)
        let core = try await Core.open(options: options)
        let edge = ShopEdge(core: core)
        let reference = ServerReference()
        let server = HTTPServer(configuration: HTTPServerConfiguration(address: SocketAddress(ip: .v4(0x7F00_0001), port: 0), eventLoops: 2),
                                router: edge.router(server: reference), clock: clock, metrics: core.metrics,
                                accessLog: Logger(label: "http", sink: log, clock: clock), observer: edge.observer)
        let address = try server.start()
        reference.set(server)
        return TestShop(core: core, edge: edge, server: server, address: address, clock: clock, client: HTTPClient(timeout: 20, concurrency: 64),
                        directory: directory, log: log)
    }

    func stop(removingData: Bool = true) async {
        client.closeIdleConnections()
        await server.shutdown(grace: 0)
        await core.close()
        if removingData { try? FileManager.default.removeItem(atPath: directory) }
    }

    /// One request; `json` is sent as the body, `token` as a bearer token.
    @discardableResult
    func call(_ method: String, _ target: String, json: String? = nil, token: String? = nil, headers: HTTPHeaders = HTTPHeaders(),
              from source: IPAddress? = nil) async throws -> HTTPClientResponse {
        var headers = headers
        if let token { headers.set("Authorization", "Bearer \(token)") }
        if json != nil { headers.set("Content-Type", "application/json") }
        return try await client.send(HTTPClientRequest(method: method, target: target, headers: headers, body: Array((json ?? "").utf8)),
                                     to: address, from: source)
    }

    /// A new user's bearer token.
    func signedInUser(_ email: String = "shopper-\(UUID().uuidString.prefix(8))@example.com", from source: IPAddress? = nil) async throws -> String {
        try await shopper(email, from: source).token
    }

    /// A new signed-in user who sends from `source`.
    func shopper(_ email: String = "shopper-\(UUID().uuidString.prefix(8))@example.com", from source: IPAddress? = nil) async throws -> Shopper {
        let password = "correct-horse-42"
        let created = try await call("POST", "/api/users", json: #"{"email":"\#(email)","password":"\#(password)"}"#, from: source)
        #expect(created.status == 201, "\(created.text)")
        let session = try await call("POST", "/api/sessions", json: #"{"email":"\#(email)","password":"\#(password)"}"#, from: source)
        return Shopper(token: try #require(session.object["token"] as? String), userId: try #require(created.object["userId"] as? String),
                       source: source)
    }

    var adminToken: String { core.adminToken }
}

/// A signed-in user of a `TestShop`.
struct Shopper: Sendable {
    let token: String
    let userId: String
    let source: IPAddress?
}

extension HTTPClientResponse {
    /// The body as a JSON object (empty when it is not one).
    var object: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
    }

    /// `error.code` of an error body.
    var errorCode: String? { (object["error"] as? [String: Any])?["code"] as? String }
}
