import Addressing
import Synchronization
import Telemetry

/// An async HTTP/1.1 client with a keep-alive pool per (server, source address). Blocking socket work runs
/// on the client's own threads, never on the cooperative pool.
public final class HTTPClient: Sendable {
    private struct PoolKey: Hashable, Sendable {
        let remote: SocketAddress
        let source: IPAddress?
    }

    private let idle = Mutex<[PoolKey: [HTTPClientConnection]]>([:])
    private let executor: BlockingExecutor
    /// Seconds for connecting and for each wait on the server.
    public let timeout: Double
    public let maxIdlePerKey: Int

    /// - Parameter concurrency: requests in flight at once; more wait their turn.
    public init(timeout: Double = 10, maxIdlePerKey: Int = 32, concurrency: Int = 32) {
        self.timeout = timeout
        self.maxIdlePerKey = maxIdlePerKey
        executor = BlockingExecutor(threads: concurrency, name: "http-client")
    }

    deinit {
        executor.stop()
    }

    /// Sends `request` to `remote`, from `source` when given, reusing an idle connection when there is one.
    /// An idempotent request that finds a pooled connection closed by the server is retried once on a new one.
    public func send(_ request: HTTPClientRequest, to remote: SocketAddress, from source: IPAddress? = nil) async throws(HTTPClientError) -> HTTPClientResponse {
        let key = PoolKey(remote: remote, source: source)
        let result: Result<HTTPClientResponse, HTTPClientError> = await executor.run { [self] in
            let idempotent = ["GET", "HEAD", "PUT", "DELETE", "OPTIONS"].contains(request.method)
            if let pooled = takeIdle(key) {
                do throws(HTTPClientError) {
                    let response = try pooled.send(request)
                    putBack(pooled, key)
                    return .success(response)
                } catch {
                    pooled.close()
                    guard idempotent, error == .connectionClosed else { return .failure(error) }
                }
            }
            do throws(HTTPClientError) {
                let connection = try HTTPClientConnection(to: remote, from: source, timeout: timeout)
                let response = try connection.send(request)
                putBack(connection, key)
                return .success(response)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Closes every idle connection.
    public func closeIdleConnections() {
        let all = idle.withLock { pool in
            defer { pool.removeAll() }
            return pool.values.flatMap { $0 }
        }
        for connection in all { connection.close() }
    }

    /// The most recently used idle connection the server has not closed meanwhile (those it has are dropped:
    /// a server's idle timeout would otherwise fail the next request, and a POST is not retried).
    private func takeIdle(_ key: PoolKey) -> HTTPClientConnection? {
        while let connection = idle.withLock({ pool in pool[key]?.popLast() }) {
            guard connection.wentStale else { return connection }
            connection.close()
        }
        return nil
    }

    private func putBack(_ connection: HTTPClientConnection, _ key: PoolKey) {
        guard connection.isOpen else { return }
        let kept = idle.withLock { pool in
            guard pool[key, default: []].count < maxIdlePerKey else { return false }
            pool[key, default: []].append(connection)
            return true
        }
        if !kept { connection.close() }
    }
}
