import CEventPoll
import Glibc

/// Reading, answering and writing on the loop's connections.
extension EventLoop {
    func handle(_ connection: Connection, flags: UInt32) {
        let hungUp = flags & (EPOLLRDHUP.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0
        if hungUp { connection.hangUpReported = true }
        if hungUp || flags & EPOLLIN.rawValue != 0 {
            readAvailable(connection)
        }
        guard flags & EPOLLOUT.rawValue != 0, !connection.isClosed else { return }
        if connection.hasPendingOutput { flush(connection) }
        // The client caught up with a backlog: take the requests that waited for it.
        if !connection.isClosed, connection.readPaused, !connection.hasPendingOutput,
           !connection.handlerRunning, connection.isOpenForRequests {
            answerBufferedRequests(connection)
            readAvailable(connection)
        }
    }

    // MARK: Reading

    /// Reads until the socket is drained (edge-triggered), answering complete requests as they appear.
    /// A short read normally means the socket is drained, which saves a system call per request; but once an
    /// event has reported the peer's close, that close may still be queued behind data and must be read, as
    /// no further edge will announce it.
    func readAvailable(_ connection: Connection) {
        while !connection.isClosed {
            if case .lingering = connection.phase {
                discardInput(connection)
                return
            }
            if connection.handlerRunning || connection.peerClosedInput || !connection.isOpenForRequests {
                connection.readPaused = true
                break
            }
            if connection.pendingOutputBytes > environment.limits.maxPendingOutputBytes {
                flush(connection)
                guard !connection.isClosed else { return }
                if connection.pendingOutputBytes > environment.limits.maxPendingOutputBytes {
                    connection.readPaused = true
                    return
                }
                answerBufferedRequests(connection)
                continue
            }
            connection.readPaused = false
            let count = recv(connection.fd, readBuffer.baseAddress, readBuffer.count, 0)
            if count > 0 {
                if !connection.requestBegun {
                    connection.requestBegun = true
                    if connection.requestsReceived > 0 { connection.requestStartedAt = now }
                }
                connection.lastProgressAt = now
                connection.parser.append(UnsafeRawBufferPointer(rebasing: readBuffer[0..<count]))
                answerBufferedRequests(connection)
                if count < readBuffer.count, !connection.hangUpReported { break }
            } else if count == 0 {
                connection.peerClosedInput = true
                // A request cut off by the close can never complete; only work in progress keeps the socket.
                if !connection.handlerRunning, !connection.hasPendingOutput {
                    closeConnection(connection)
                    return
                }
                break
            } else if errno == EINTR {
                continue
            } else if errno == EAGAIN || errno == EWOULDBLOCK {
                break
            } else {
                closeConnection(connection)
                return
            }
        }
        if !connection.isClosed { flush(connection) }
    }

    /// Takes requests out of the parser while the connection may answer them: one at a time while a deferred
    /// handler runs, so responses leave in request order.
    func answerBufferedRequests(_ connection: Connection) {
        while connection.isOpenForRequests, !connection.handlerRunning,
              connection.pendingOutputBytes <= environment.limits.maxPendingOutputBytes,
              let event = connection.parser.next() {
            switch event {
            case .continueNeeded:
                connection.output.append(contentsOf: ResponseEncoder.continueLine)
            case .failure(let failure):
                environment.metrics.malformed.increment()
                respondAndLinger(connection, HTTPError(parseError: failure), method: "-", target: "-")
                return
            case .request(let request):
                connection.requestsReceived += 1
                connection.requestBegun = connection.parser.bufferedByteCount > 0
                connection.requestStartedAt = now
                dispatch(request, on: connection)
            }
        }
    }

    private func dispatch(_ request: HTTPRequest, on connection: Connection) {
        let started = monotonicNanoseconds()
        let requestId = environment.requestIDs.id(offered: request.headers["X-Request-Id"])
        let keepAlive = request.keepAlive && !draining
        var answer = PendingAnswer(fd: connection.fd, serial: connection.serial, method: request.method, target: request.target,
                                   keepAlive: keepAlive, minorVersion: request.minorVersion, requestId: requestId,
                                   route: nil, startedNanoseconds: started)
        switch environment.router.match(method: request.method, path: request.path) {
        case .found(let route, let parameters):
            answer.route = route
            var context = RequestContext(requestId: requestId, peer: connection.peer, route: route.name, parameters: parameters)
            switch route.handler {
            case .immediate(let handler):
                write(answerNow(handler, request, context), for: answer, on: connection)
            case .deferred(let handler):
                answerLater(handler, request, context, answer, on: connection)
            case .fastPath(let fast, let otherwise):
                if let response = answerNow(fast, request, &context) {
                    write(response, for: answer, on: connection)
                } else {
                    answerLater(otherwise, request, context, answer, on: connection)
                }
            }
        case .notFound:
            write(HTTPError.notFound("no route for \(request.method) \(request.path)").response(requestId: requestId), for: answer, on: connection)
        case .methodNotAllowed(let allow):
            let error = HTTPError(status: 405, code: "method_not_allowed", message: "\(request.method) is not allowed on \(request.path)",
                                  headers: ["Allow": allow.joined(separator: ", ")])
            write(error.response(requestId: requestId), for: answer, on: connection)
        case .malformedPath:
            write(HTTPError.badRequest("malformed percent-encoding in the path").response(requestId: requestId), for: answer, on: connection)
        }
    }

    /// Runs a handler on the loop; a thrown `HTTPError` becomes its response.
    private func answerNow(_ handler: @Sendable (HTTPRequest, RequestContext) throws(HTTPError) -> HTTPResponse,
                           _ request: HTTPRequest, _ context: RequestContext) -> HTTPResponse {
        do throws(HTTPError) {
            return try handler(request, context)
        } catch {
            return error.response(requestId: context.requestId)
        }
    }

    /// Runs a fast path on the loop; nil means "continue in a task".
    private func answerNow(_ handler: @Sendable (HTTPRequest, inout RequestContext) throws(HTTPError) -> HTTPResponse?,
                           _ request: HTTPRequest, _ context: inout RequestContext) -> HTTPResponse? {
        do throws(HTTPError) {
            return try handler(request, &context)
        } catch {
            return error.response(requestId: context.requestId)
        }
    }

    /// Runs a handler as a task; the connection takes no further request until the answer is back.
    private func answerLater(_ handler: @escaping @Sendable (HTTPRequest, RequestContext) async throws(HTTPError) -> HTTPResponse,
                             _ request: HTTPRequest, _ context: RequestContext, _ answer: PendingAnswer, on connection: Connection) {
        connection.handlerRunning = true
        Task { [self] in
            let response: HTTPResponse
            do throws(HTTPError) {
                response = try await handler(request, context)
            } catch {
                response = error.response(requestId: context.requestId)
            }
            post(.answered(answer, response))
        }
    }

    /// A deferred handler's answer, back on the loop.
    func deliver(_ answer: PendingAnswer, _ response: HTTPResponse) {
        guard let connection = connections[answer.fd], connection.serial == answer.serial else { return }
        connection.handlerRunning = false
        write(response, for: answer, on: connection)
        answerBufferedRequests(connection)
        readAvailable(connection)
    }

    /// Queues a response (the caller flushes), recording metrics and the access log.
    private func write(_ response: HTTPResponse, for answer: PendingAnswer, on connection: Connection) {
        // A client that half-closed after pipelining still gets every answer; the last one closes.
        let keepAlive = answer.keepAlive && !draining && !(connection.peerClosedInput && connection.parser.bufferedByteCount == 0)
        let before = connection.output.count
        ResponseEncoder.encode(response, requestId: answer.requestId, date: dateBytes, keepAlive: keepAlive,
                               announceKeepAlive: keepAlive && answer.minorVersion == 0, headOnly: answer.method == "HEAD",
                               into: &connection.output)
        let elapsed = (monotonicNanoseconds() &- answer.startedNanoseconds) / 1000
        environment.metrics.series(for: answer.route).record(status: response.status, microseconds: elapsed)
        environment.accessLog?.record(into: &accessLogBuffer, now: now, method: answer.method, target: answer.target, status: response.status,
                                      bytes: connection.output.count - before, microseconds: elapsed,
                                      peer: connection.peerText, requestId: answer.requestId)
        environment.observer?.observe(AnsweredRequest(method: answer.method, route: answer.route?.pattern, status: response.status,
                                                      microseconds: elapsed, peer: connection.peer.ip))
        if !keepAlive { connection.phase = .closingAfterFlush }
    }

    /// Answers with an error and closes gracefully: the write side is shut once the response is out, and
    /// input is read and discarded for a while so that the client reads the response rather than a reset.
    func respondAndLinger(_ connection: Connection, _ error: HTTPError, method: String, target: String) {
        let requestId = environment.requestIDs.id(offered: nil)
        let answer = PendingAnswer(fd: connection.fd, serial: connection.serial, method: method, target: target, keepAlive: false,
                                   minorVersion: 1, requestId: requestId, route: nil, startedNanoseconds: monotonicNanoseconds())
        write(error.response(requestId: requestId), for: answer, on: connection)
        connection.phase = .lingering(since: now)
        flush(connection)
    }

    // MARK: Writing

    func flush(_ connection: Connection) {
        while connection.hasPendingOutput {
            let count = connection.output.withUnsafeBytes { raw in
                send(connection.fd, raw.baseAddress! + connection.outputOffset, raw.count - connection.outputOffset, Int32(MSG_NOSIGNAL))
            }
            if count > 0 {
                connection.outputOffset += count
                connection.lastProgressAt = now
            } else if count < 0, errno == EINTR {
                continue
            } else if count < 0, errno == EAGAIN || errno == EWOULDBLOCK {
                return
            } else {
                closeConnection(connection)
                return
            }
        }
        if connection.output.capacity > 256 * 1024 {
            connection.output = []
        } else {
            connection.output.removeAll(keepingCapacity: true)
        }
        connection.outputOffset = 0
        switch connection.phase {
        case .open:
            if connection.peerClosedInput, connection.isIdle { closeConnection(connection) }
        case .closingAfterFlush:
            if connection.parser.bufferedByteCount > 0 {
                connection.phase = .lingering(since: now)
                shutdown(connection.fd, Int32(SHUT_WR))
                discardInput(connection)
            } else {
                closeConnection(connection)
            }
        case .lingering:
            shutdown(connection.fd, Int32(SHUT_WR))
            discardInput(connection)
        }
    }

    /// Lingering close: read and drop input until the client closes (or the socket errs), then close.
    private func discardInput(_ connection: Connection) {
        guard !connection.hasPendingOutput else { return }
        while true {
            let count = recv(connection.fd, readBuffer.baseAddress, readBuffer.count, 0)
            if count > 0 { continue }
            if count < 0, errno == EINTR { continue }
            if count < 0, errno == EAGAIN || errno == EWOULDBLOCK { return }
            closeConnection(connection)
            return
        }
    }

    func closeConnection(_ connection: Connection) {
        guard !connection.isClosed else { return }
        connection.isClosed = true
        connections.removeValue(forKey: connection.fd)
        close(connection.fd)
        if connection.countsTowardLimits { environment.limiter.release(connection.peer.ip) }
        if draining { environment.drainSignal.notifyAll() }
    }

    // MARK: Timeouts

    /// Closes connections past a deadline: a request head or body arriving too slowly (408), an idle
    /// keep-alive connection, a client not reading its response, a lingering close that has lasted long enough.
    func sweep() {
        for connection in Array(connections.values) {
            guard var action = expiry(of: connection) else { continue }
            // Bytes that reached the socket before the deadline count: take them in first.
            if connection.isOpenForRequests, !connection.handlerRunning {
                readAvailable(connection)
                guard !connection.isClosed, let current = expiry(of: connection) else { continue }
                action = current
            }
            switch action {
            case .close: closeConnection(connection)
            case .closeSilently: timeOut(connection, answer: false)
            case .answer408: timeOut(connection, answer: true)
            }
        }
    }

    private enum ExpiryAction {
        case close, closeSilently, answer408
    }

    private func expiry(of connection: Connection) -> ExpiryAction? {
        let limits = environment.limits
        if case .lingering(let since) = connection.phase {
            return now - since >= limits.lingerTimeout ? .close : nil
        }
        if connection.handlerRunning { return nil }
        if connection.hasPendingOutput {
            return now - connection.lastProgressAt >= limits.idleTimeout ? .closeSilently : nil
        }
        if connection.parser.isMidRequest || connection.requestBegun {
            let allowed = connection.parser.isReadingHead ? limits.headerReadTimeout : limits.headerReadTimeout + limits.bodyReadTimeout
            return now - connection.requestStartedAt >= allowed ? .answer408 : nil
        }
        if draining { return .close }
        // A connection that never sent a request gets the header timeout, a used one the idle timeout.
        let allowed = connection.requestsReceived == 0 ? limits.headerReadTimeout : limits.idleTimeout
        return now - connection.lastProgressAt >= allowed ? .closeSilently : nil
    }

    private func timeOut(_ connection: Connection, answer: Bool) {
        environment.metrics.timedOut.increment()
        if answer {
            respondAndLinger(connection, HTTPError(status: 408, code: "request_timeout",
                                                   message: "the request was not received in time"), method: "-", target: "-")
        } else {
            closeConnection(connection)
        }
    }

    /// Starts a graceful shutdown on this loop: no more accepting; idle connections close now, busy ones
    /// after their current response (which carries `Connection: close`).
    func beginDrain() {
        draining = true
        closeListener()
        for connection in Array(connections.values) where connection.isIdle {
            if case .open = connection.phase { closeConnection(connection) }
        }
        environment.drainSignal.notifyAll()
    }
}

/// Nanoseconds on the monotonic clock, for measuring durations (not for deciding anything).
func monotonicNanoseconds() -> UInt64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
}

extension EventLoop {
    /// Connections still doing work: everything but lingering closes.
    var busyConnectionCount: Int {
        connections.values.count { connection in
            if case .lingering = connection.phase { return false }
            return true
        }
    }
}
