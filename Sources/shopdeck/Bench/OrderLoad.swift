import Addressing
import Foundation
import HTTP

extension HTTPBenchmark {
    /// `POST /api/orders` from signed-in shoppers, each with a fresh `Idempotency-Key`, then how long the
    /// checkout queue takes to empty and every checkout run to finish once the load stops.
    func measureOrders(fixture: HTTPBenchServer.Fixture, address: SocketAddress, connections: Int, seconds: Double,
                       report: inout BenchReport, progress: (String) -> Void) async throws {
        progress("POST /api/orders at \(connections) connections for \(Int(seconds)) s")
        let run = UUID().uuidString.prefix(8)
        let products = HTTPBenchServer.orderedProducts
        let outcome = try await HTTPLoad.run(to: address, connections: connections, seconds: seconds, expected: 202) { connection, sequence in
            var request = HTTPClientRequest.post("/api/orders", json: #"{"items":[{"productId":"\#(products[(connection * 7 + sequence) % products.count])","quantity":1}]}"#)
            request.headers.set("Authorization", "Bearer \(fixture.tokens[connection % fixture.tokens.count])")
            request.headers.set("x-api-key", fixture.apiKey)
            request.headers.set("Idempotency-Key", "bench-\(run)-\(connection)-\(sequence)")
            return request
        }
        guard outcome.errors == 0 else { throw RuntimeFailure(description: "bench http: \(outcome.errors) orders were not accepted with 202") }

        progress("waiting for checkout to catch up")
        let admin = try String(contentsOfFile: directory + "/admin-token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let connection = try HTTPClientConnection(to: address, timeout: 10)
        defer { connection.close() }
        let stopped = HTTPLoad.monotonicSeconds()
        var queueDrained: Double?
        var runsFinished: Double?
        while runsFinished == nil, HTTPLoad.monotonicSeconds() - stopped < 300 {
            if queueDrained == nil, try checkoutDepth(connection, admin: admin) == 0 { queueDrained = HTTPLoad.monotonicSeconds() - stopped }
            if queueDrained != nil, try runningCheckouts(connection) == 0 { runsFinished = HTTPLoad.monotonicSeconds() - stopped }
            if runsFinished == nil { try await Task.sleep(nanoseconds: 50_000_000) }
        }
        guard let queueDrained, let runsFinished else { throw RuntimeFailure(description: "bench http: checkout did not catch up within 300 s") }
        report.results.append(BenchResult(name: "post_order", params: [("connections", "\(connections)"), ("client", "shopdeck")],
                                          opsPerSecond: outcome.requestsPerSecond, latency: outcome.latency,
                                          extra: [("checkout_queue_drained_s", queueDrained), ("checkout_runs_finished_s", runsFinished)]))
    }

    private func checkoutDepth(_ connection: HTTPClientConnection, admin: String) throws -> Int {
        var request = HTTPClientRequest.get("/admin/queues")
        request.headers.set("Authorization", "Bearer \(admin)")
        let response = try connection.send(request)
        guard let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
              let queues = object["items"] as? [[String: Any]],
              let checkout = queues.first(where: { $0["name"] as? String == "checkout" }) else {
            throw RuntimeFailure(description: "bench http: /admin/queues answered \(response.status) without the checkout queue")
        }
        return (checkout["visible"] as? Int ?? 0) + (checkout["inFlight"] as? Int ?? 0) + (checkout["delayed"] as? Int ?? 0)
    }

    private func runningCheckouts(_ connection: HTTPClientConnection) throws -> Int {
        let response = try connection.send(.get("/status"))
        guard let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
              let sagas = (object["components"] as? [String: Any])?["sagas"] as? [String: Any],
              let running = sagas["running"] as? Int else {
            throw RuntimeFailure(description: "bench http: /status answered \(response.status) without the sagas' running count")
        }
        return running
    }
}
