import Addressing
import Foundation
import FuzzSupport
import Testing
import Telemetry
@testable import HTTP

@Suite struct ServerBasicsTests {
    @Test func answersWithFramingHeadersAndKeepsTheConnection() async throws {
        let test = try TestServer.start()
        defer { Task { await test.server.shutdown(grace: 0) } }
        let address = test.address
        let (first, second, open) = try await offPool {
            let connection = try HTTPClientConnection(to: address, timeout: 5)
            let first = try connection.send(.get("/hello"))
            let second = try connection.send(.get("/items/42"))
            return (first, second, connection.isOpen)
        }
        #expect(first.status == 200)
        #expect(first.text == "hello")
        #expect(first.headers["Content-Length"] == "5")
        #expect(first.headers["Date"]?.hasSuffix(" GMT") == true)
        #expect(first.headers["Date"] == "Thu, 01 Jan 2026 00:00:00 GMT")
        #expect(first.headers["X-Request-Id"] != nil)
        #expect(first.headers["X-Request-Id"] != second.headers["X-Request-Id"])
        #expect(first.keepAlive && open)
        #expect(second.text == "item 42")
    }

    @Test func pipelinedRequestsAreAnsweredInOrderEvenWhenOneWaits() async throws {
        let test = try TestServer.start()
        defer { Task { await test.server.shutdown(grace: 0) } }
        let address = test.address
        let gate = test.gate
        async let bodies: [String] = offPool {
            // Generous: with the whole suite running on two cores, the gate's opener can wait its turn for seconds.
            let connection = try HTTPClientConnection(to: address, timeout: 30)
            let pipeline = "GET /hello HTTP/1.1\r\nHost: x\r\n\r\nGET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /items/7 HTTP/1.1\r\nHost: x\r\n\r\n"
                + "HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\nGET /json HTTP/1.1\r\nHost: x\r\n\r\n"
            try connection.sendRaw(Array(pipeline.utf8))
            var bodies: [String] = []
            for index in 0..<5 {
                let response = try connection.readResponse(requestWasHead: index == 3)
                bodies.append(response.text + "|" + (response.headers["Content-Length"] ?? "-"))
            }
            return bodies
        }
        await gate.waitForArrivals(1)
        gate.open()
        #expect(try await bodies == ["hello|5", "slow done|9", "item 7|6", "|5", #"{"ok":true}|11"#])
    }

    @Test func aWaitingHandlerDoesNotStallOtherConnections() async throws {
        let test = try TestServer.start(eventLoops: 1)
        defer { Task { await test.server.shutdown(grace: 0) } }
        let address = test.address
        async let slow = offPool { try HTTPClientConnection(to: address, timeout: 30).send(.get("/slow")).text }
        await test.gate.waitForArrivals(1)
        // The only loop is free while the slow handler waits.
        let quick = try await test.get("/hello")
        #expect(quick.text == "hello")
        test.gate.open()
        #expect(try await slow == "slow done")
    }

    @Test func aFastPathRouteAnswersOnTheLoopOrFallsBackToATask() async throws {
        let test = try TestServer.start()
        defer { Task { await test.server.shutdown(grace: 0) } }
        #expect(try await test.get("/either?fast").text == "on the loop")
        #expect(try await test.get("/either").text == "in a task, noted on the loop")
    }

    @Test func errorsCarryTheContractBodyAndTheRequestId() async throws {
        let test = try TestServer.start()
        defer { Task { await test.server.shutdown(grace: 0) } }
        let missing = try await test.get("/nowhere")
        #expect(missing.status == 404)
        let id = try #require(missing.headers["X-Request-Id"])
        let body = try #require(try JSONSerialization.jsonObject(with: Data(missing.body)) as? [String: Any])
        let error = try #require(body["error"] as? [String: Any])
        #expect(error["code"] as? String == "not_found")
        #expect(error["requestId"] as? String == id)
        #expect((error["message"] as? String)?.contains("/nowhere") == true)

        let wrongMethod = try await test.address.exchange(.init(method: "DELETE", target: "/hello"))
        #expect(wrongMethod.status == 405)
        #expect(wrongMethod.headers["Allow"] == "GET, HEAD")

        let thrown = try await test.get("/fails")
        #expect(thrown.status == 422)
        #expect(thrown.text.contains(#""code":"invalid_field""#))

        let badEscape = try await test.get("/items/%zz")
        #expect(badEscape.status == 400)
    }

    @Test func aWellFormedRequestIdFromTheClientIsKept() async throws {
        let test = try TestServer.start()
        defer { Task { await test.server.shutdown(grace: 0) } }
        let kept = try await test.get("/hello", headers: ["X-Request-Id": "trace-123.a_b"])
        #expect(kept.headers["X-Request-Id"] == "trace-123.a_b")
        let replaced = try await test.get("/hello", headers: ["X-Request-Id": "bad id\" with quotes"])
        #expect(replaced.headers["X-Request-Id"] != "bad id\" with quotes")
    }

    @Test func chunkedBodiesAndExpectContinue() async throws {
        let test = try TestServer.start()
        defer { Task { await test.server.shutdown(grace: 0) } }
        let address = test.address
        let chunked = try await offPool {
            let connection = try HTTPClientConnection(to: address, timeout: 5)
            try connection.sendRaw(Array("POST /items HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n".utf8))
            return try connection.readResponse()
        }
        #expect(chunked.status == 201)
        #expect(chunked.text == #"{"received":11}"#)

        let (interim, final) = try await offPool {
            let connection = try HTTPClientConnection(to: address, timeout: 5)
            try connection.sendRaw(Array("POST /items HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n".utf8))
            // The server must say go ahead before the body is sent.
            var buffer = [UInt8](repeating: 0, count: 64)
            let interim = try readSome(connection, into: &buffer)
            try connection.sendRaw(Array("body".utf8))
            return (interim, try connection.readResponse())
        }
        #expect(interim == "HTTP/1.1 100 Continue\r\n\r\n")
        #expect(final.text == #"{"received":4}"#)
    }

    @Test func http10ClientsGetKeepAliveOnlyWhenAsked() async throws {
        let test = try TestServer.start()
        defer { Task { await test.server.shutdown(grace: 0) } }
        let plain = try await test.exchangeRaw("GET /hello HTTP/1.0\r\n\r\n")
        #expect(plain.contains("Connection: close"))
        #expect(plain.hasSuffix("hello"))
        let address = test.address
        let kept = try await offPool {
            let connection = try HTTPClientConnection(to: address, timeout: 5)
            try connection.sendRaw(Array("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n".utf8))
            let first = try connection.readResponse()
            try connection.sendRaw(Array("GET /json HTTP/1.0\r\nConnection: keep-alive\r\n\r\n".utf8))
            return (first.headers["Connection"], try connection.readResponse().text)
        }
        #expect(kept.0 == "keep-alive")
        #expect(kept.1 == #"{"ok":true}"#)
    }

    @Test func clientCanChooseItsSourceAddress() async throws {
        let test = try TestServer.start()
        defer { Task { await test.server.shutdown(grace: 0) } }
        let client = HTTPClient(timeout: 5)
        let seen = try await client.send(.get("/peer"), to: test.address, from: IPAddress("127.0.0.23"))
        #expect(seen.text == "127.0.0.23")
        let again = try await client.send(.get("/peer"), to: test.address, from: IPAddress("127.0.0.24"))
        #expect(again.text == "127.0.0.24")
        #expect(test.server.openConnections == 2)  // both kept alive in the client's pool
        client.closeIdleConnections()
    }

    @Test func perRouteMetricsAndAnAccessLogWithoutSecrets() async throws {
        let test = try TestServer.start()
        defer { Task { await test.server.shutdown(grace: 0) } }
        _ = try await test.get("/items/1?password=hunter2&q=tea", headers: ["Authorization": "Bearer sekrit-token"])
        _ = try await test.get("/items/2")
        _ = try await test.get("/nowhere")
        let text = test.metrics.prometheusText()
        #expect(text.contains(#"shopdeck_http_requests_total{route="GET /items/{id}",status="2xx"} 2"#))
        #expect(text.contains(#"shopdeck_http_requests_total{route="unmatched",status="4xx"} 1"#))
        #expect(text.contains("shopdeck_http_request_duration_seconds"))
        await test.server.flushAccessLog()
        let lines = test.log.lines
        #expect(lines.count == 3)
        #expect(lines.contains { $0.contains("/items/1?password=[redacted]&q=tea") })
        #expect(!lines.joined().contains("hunter2"))
        #expect(!lines.joined().contains("sekrit"))
        #expect(lines.allSatisfy { $0.contains(" client=127.0.0.1 ") && $0.contains(" ms=") })
    }

    /// The access log formats latency without floating point; it must write what `Double` would.
    @Test func accessLogMillisecondsReadAsDoubleWritesThem() {
        let seed = UInt64.random(in: 0...UInt64.max)
        print("accessLogMillisecondsReadAsDoubleWritesThem seed \(seed)")
        var random = FuzzGenerator(seed: seed)
        var samples: [UInt64] = [0, 1, 9, 10, 100, 999, 1000, 1001, 1010, 1100, 123_456, 9_999_999_999]
        for _ in 0..<20_000 {
            samples.append(UInt64.random(in: 0..<random.pick([1000, 1_000_000, 10_000_000_000]), using: &random))
        }
        for microseconds in samples {
            #expect(AccessLog.milliseconds(microseconds) == String(Double(microseconds) / 1000), "\(microseconds) µs (seed \(seed))")
        }
    }
}

/// Reads whatever is available (at least one byte) as text.
func readSome(_ connection: HTTPClientConnection, into buffer: inout [UInt8]) throws -> String {
    let bytes = connection.readAvailable(max: buffer.count)
    return String(decoding: bytes, as: UTF8.self)
}

extension SocketAddress {
    /// One request on a fresh connection.
    func exchange(_ request: HTTPClientRequest) async throws -> HTTPClientResponse {
        let address = self
        return try await offPool { try HTTPClientConnection(to: address, timeout: 5).send(request) }
    }
}

@Suite struct ClientTests {
    @Test func aServerThatDoesNotAnswerTimesTheClientOut() async throws {
        let test = try TestServer.start()
        defer {
            test.gate.open()
            Task { await test.server.shutdown(grace: 0) }
        }
        let address = test.address
        let outcome: HTTPClientError? = try await offPool { () throws -> HTTPClientError? in
            let connection = try HTTPClientConnection(to: address, timeout: 0.2)
            do throws(HTTPClientError) {
                _ = try connection.send(.get("/slow"))
                return nil
            } catch {
                return error
            }
        }
        #expect(outcome == .timedOut("waiting for the response"))
    }

    @Test func connectingToAClosedPortFailsClearly() async throws {
        // A port bound but never listened on refuses connections, and no other test's server can take it
        // meanwhile (a shut-down server's port could be reused by a test running in parallel).
        let fd = try Socket.makeTCP(family: AF_INET)
        defer { close(fd) }
        let bound = SocketAddress(ip: .v4(0x7F00_0001), port: 0).withKernelAddress { bind(fd, $0, $1) }
        #expect(bound == 0)
        let address = try #require(Socket.localAddress(fd))
        let client = HTTPClient(timeout: 1)
        await #expect(throws: HTTPClientError.self) { try await client.send(.get("/hello"), to: address) }
        do {
            _ = try await client.send(.get("/hello"), to: address)
        } catch {
            #expect(error.description.contains("connection refused"))
        }
    }

    @Test func thePoolReusesConnectionsAndRetriesOneTheServerClosed() async throws {
        var limits = HTTPLimits()
        limits.idleTimeout = 30
        let test = try TestServer.start(limits: limits)
        defer { Task { await test.server.shutdown(grace: 0) } }
        let client = HTTPClient(timeout: 5)
        _ = try await client.send(.get("/hello"), to: test.address)
        _ = try await client.send(.get("/hello"), to: test.address)
        #expect(test.metrics.prometheusText().contains("shopdeck_http_connections_accepted_total 1"))
        // The server drops the pooled connection as idle; the next GET goes out on a new one.
        try await eventually { await test.server.socketCount() == 1 }
        test.clock.advance(by: 31)
        await test.server.checkTimeouts()
        #expect(await test.server.socketCount() == 0)
        #expect(try await client.send(.get("/hello"), to: test.address).text == "hello")
        client.closeIdleConnections()
    }

    /// A POST is not retried, so a pooled connection the server has closed while it sat idle must not be used
    /// for one (a full test run, slow enough to reach the idle timeout, failed a sign-in this way).
    @Test func aPostNeverGoesOutOnAConnectionTheServerClosedWhileIdle() async throws {
        var limits = HTTPLimits()
        limits.idleTimeout = 30
        let test = try TestServer.start(limits: limits)
        defer { Task { await test.server.shutdown(grace: 0) } }
        let client = HTTPClient(timeout: 5)
        let post = HTTPClientRequest(method: "POST", target: "/items", headers: HTTPHeaders(), body: Array("{}".utf8))
        #expect(try await client.send(post, to: test.address).status == 201)
        try await eventually { await test.server.socketCount() == 1 }
        test.clock.advance(by: 31)
        await test.server.checkTimeouts()
        #expect(await test.server.socketCount() == 0)
        #expect(try await client.send(post, to: test.address).status == 201)
        #expect(test.metrics.prometheusText().contains("shopdeck_http_connections_accepted_total 2"))
        client.closeIdleConnections()
    }
}
