import Addressing
import Foundation
import Testing
import Telemetry
@testable import HTTP

@Suite struct ServerLimitTests {
    static let shapes: [(String, Int)] = [
        ("GET /" + String(repeating: "a", count: 9000) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414),
        ("GET / HTTP/1.1\r\nHost: x\r\n" + (0..<101).map { "X-F\($0): v\r\n" }.joined() + "\r\n", 431),
        ("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + String(repeating: "b", count: 33 * 1024) + "\r\n\r\n", 431),
        ("POST /items HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n", 413),
        ("POST /items HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        ("POST /items HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello", 400),
        ("GET / HTTP/1.1\r\nHost: x\r\nX-A: one\r\n two\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: x\rX-A: b\r\n\r\n", 400),
        ("GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505),
        ("GARBAGE\r\n\r\n", 400),
    ]

    @Test(arguments: 0..<shapes.count)
    func eachLimitAndSmugglingShapeGetsItsStatusAndACloseOverASocket(index: Int) async throws {
        let test = try TestServer.start()
        defer { Task { await test.server.shutdown(grace: 0) } }
        let (text, status) = Self.shapes[index]
        let raw = try await test.exchangeRaw(text)
        #expect(statusCode(raw) == status, "\(raw.prefix(200))")
        #expect(raw.contains("Connection: close"))
        #expect(raw.contains(#""requestId":"#))
        // The server is still serving.
        #expect(try await test.get("/hello").text == "hello")
    }

    @Test func anOversizedBodyBeingSentStillSeesThe413() async throws {
        let test = try TestServer.start()
        defer { Task { await test.server.shutdown(grace: 0) } }
        let address = test.address
        let raw = try await offPool {
            let connection = try HTTPClientConnection(to: address, timeout: 5)
            // Announced small enough to be read, then far more than the limit arrives in chunks.
            try connection.sendRaw(Array("POST /items HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".utf8))
            let chunk = Array("10000\r\n".utf8) + [UInt8](repeating: 65, count: 0x10000) + Array("\r\n".utf8)
            for _ in 0..<20 { try? connection.sendRaw(chunk) }
            return String(decoding: connection.readUntilClosed(), as: UTF8.self)
        }
        #expect(statusCode(raw) == 413)
    }

    @Test func aSlowlorisHeaderIsCutOffWith408WhenTheClockPassesTheHeaderTimeout() async throws {
        var limits = HTTPLimits()
        limits.headerReadTimeout = 10
        let test = try TestServer.start(limits: limits)
        defer { Task { await test.server.shutdown(grace: 0) } }
        let connection = try await test.connectionAfterSending("GET /hello HTTP/1.1\r\nHost: x\r\nX-Drip: a")
        test.clock.advance(by: 9)
        await test.server.checkTimeouts()
        #expect(await test.server.socketCount() == 1)
        // More drip does not buy time: the deadline counts from the connection's start.
        try await offPool { try connection.sendRaw(Array("b".utf8)) }
        test.clock.advance(by: 1.5)
        await test.server.checkTimeouts()
        let raw = try await offPool { String(decoding: connection.readUntilClosed(), as: UTF8.self) }
        #expect(statusCode(raw) == 408)
        #expect(raw.contains(#""code":"request_timeout""#))
    }

    @Test func aSlowBodyIsCutOffAfterTheBodyTimeout() async throws {
        var limits = HTTPLimits()
        limits.headerReadTimeout = 10
        limits.bodyReadTimeout = 20
        let test = try TestServer.start(limits: limits)
        defer { Task { await test.server.shutdown(grace: 0) } }
        let connection = try await test.connectionAfterSending("POST /items HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\npart")
        test.clock.advance(by: 25)
        await test.server.checkTimeouts()
        #expect(await test.server.socketCount() == 1)
        test.clock.advance(by: 6)
        await test.server.checkTimeouts()
        let raw = try await offPool { String(decoding: connection.readUntilClosed(), as: UTF8.self) }
        #expect(statusCode(raw) == 408)
    }

    @Test func idleAndSilentConnectionsAreClosedOnTime() async throws {
        var limits = HTTPLimits()
        limits.headerReadTimeout = 10
        limits.idleTimeout = 60
        let test = try TestServer.start(limits: limits)
        defer { Task { await test.server.shutdown(grace: 0) } }
        let address = test.address
        let (used, silent) = try await offPool {
            let used = try HTTPClientConnection(to: address, timeout: 5)
            _ = try used.send(.get("/hello"))
            return (used, try HTTPClientConnection(to: address, timeout: 5))
        }
        try await eventually { await test.server.socketCount() == 2 }
        test.clock.advance(by: 11)
        await test.server.checkTimeouts()
        // The silent one had only the header timeout; the used one is idle within its keep-alive time.
        #expect(await test.server.socketCount() == 1)
        #expect(try await offPool { silent.readUntilClosed() }.isEmpty)
        test.clock.advance(by: 50)
        await test.server.checkTimeouts()
        #expect(await test.server.socketCount() == 0)
        #expect(try await offPool { used.readUntilClosed() }.isEmpty)
    }

    @Test func aRequestCutOffByTheClientFreesItsConnectionAtOnce() async throws {
        var limits = HTTPLimits()
        limits.maxConnectionsPerIP = 1
        let test = try TestServer.start(limits: limits)
        defer { Task { await test.server.shutdown(grace: 0) } }
        let address = test.address
        try await offPool {
            let connection = try HTTPClientConnection(to: address, timeout: 5)
            try connection.sendRaw(Array("GET /hello HTTP/1.1\r\nHost: x\r\n".utf8))
            connection.close()
        }
        // No clock movement: the close alone releases the slot.
        try await eventually { await test.server.socketCount() == 0 }
        #expect(try await test.get("/hello").status == 200)
    }

    @Test func aClientThatHalfClosesAfterPipeliningStillGetsEveryAnswer() async throws {
        let test = try TestServer.start()
        defer { Task { await test.server.shutdown(grace: 0) } }
        let address = test.address
        async let raw = offPool {
            // Generous: on a loaded machine the gate may open seconds after the request arrives.
            let connection = try HTTPClientConnection(to: address, timeout: 30)
            try connection.sendRaw(Array("GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
            connection.shutdownOutput()
            return String(decoding: connection.readUntilClosed(), as: UTF8.self)
        }
        await test.gate.waitForArrivals(1)
        test.gate.open()
        // The answer arrives and then the server closes (readUntilClosed returns before its timeout).
        let text = try await raw
        #expect(text.contains("slow done"))
        #expect(text.hasSuffix("hello"))
        #expect(await test.server.socketCount() == 0)
    }

    @Test func connectionCapsPerIPAndInTotalAnswer503() async throws {
        var limits = HTTPLimits()
        limits.maxConnectionsPerIP = 2
        limits.maxConnections = 3
        let test = try TestServer.start(limits: limits)
        defer { Task { await test.server.shutdown(grace: 0) } }
        let address = test.address
        let results = try await offPool {
            let held = try (0..<2).map { _ in try HTTPClientConnection(to: address, from: IPAddress("127.0.0.5"), timeout: 5) }
            for connection in held { _ = try connection.send(.get("/hello")) }
            let third = try HTTPClientConnection(to: address, from: IPAddress("127.0.0.5"), timeout: 5)
            let perIP = try third.send(.get("/hello"))
            let other = try HTTPClientConnection(to: address, from: IPAddress("127.0.0.6"), timeout: 5)
            let fromElsewhere = try other.send(.get("/hello"))
            let overTotal = try HTTPClientConnection(to: address, from: IPAddress("127.0.0.7"), timeout: 5).send(.get("/hello"))
            held[0].close()
            return (perIP, fromElsewhere, overTotal, held, other)
        }
        #expect(results.0.status == 503)
        #expect(results.0.text.contains("127.0.0.5"))
        #expect(results.0.headers["Retry-After"] == "1")
        #expect(results.1.status == 200)
        #expect(results.2.status == 503)
        // A freed slot is usable again.
        try await eventually { test.server.openConnections == 2 }
        let again = try await offPool { try HTTPClientConnection(to: address, from: IPAddress("127.0.0.5"), timeout: 5).send(.get("/hello")) }
        #expect(again.status == 200)
        _ = results.3
        _ = results.4
    }

    @Test func gracefulShutdownFinishesTheRequestInFlightAndRefusesNewOnes() async throws {
        let test = try TestServer.start()
        let address = test.address
        let idle = try await offPool {
            let idle = try HTTPClientConnection(to: address, timeout: 5)
            _ = try idle.send(.get("/hello"))
            return idle
        }
        // Generous timeouts: under a loaded machine (the whole suite runs in parallel) the steps below can take
        // seconds, and the point is the drain, not its speed.
        async let slow = offPool { try HTTPClientConnection(to: address, timeout: 30).send(.get("/slow")) }
        await test.gate.waitForArrivals(1)
        async let report = test.server.shutdown(grace: 30)
        // The idle keep-alive connection is closed at once; new connections are refused.
        #expect(try await offPool { idle.readUntilClosed() }.isEmpty)
        try await eventually {
            (try? await offPool { try HTTPClientConnection(to: address, timeout: 1) }) == nil
        }
        test.gate.open()
        let response = try await slow
        #expect(response.text == "slow done")
        #expect(response.keepAlive == false)
        #expect(await report == HTTPShutdownReport(drained: true, forciblyClosed: 0))
    }

    @Test func shutdownGivesUpOnAStuckHandlerWhenTheGraceRunsOut() async throws {
        let test = try TestServer.start()
        let address = test.address
        async let stuck = offPool { try? HTTPClientConnection(to: address, timeout: 30).send(.get("/slow")) }
        await test.gate.waitForArrivals(1)
        async let report = test.server.shutdown(grace: 5)
        try await eventually { test.clock.sleeperCount == 1 }
        test.clock.advance(by: 5)
        #expect(await report == HTTPShutdownReport(drained: false, forciblyClosed: 1))
        #expect(try await stuck == nil)
        test.gate.open()
    }
}
