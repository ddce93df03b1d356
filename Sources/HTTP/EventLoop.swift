import Addressing
import CEventPoll
import Foundation
import Synchronization
import Telemetry

/// What every event loop of one server shares; immutable.
struct ServerEnvironment: Sendable {
    let router: Router
    let limits: HTTPLimits
    let clock: any WallClock
    let metrics: ServerMetrics
    let accessLog: AccessLog?
    let observer: (any RequestObserver)?
    let limiter: ConnectionLimiter
    let requestIDs: RequestIDGenerator
    /// Notified whenever a loop closes a connection while draining, and when a loop exits.
    let drainSignal: WakeSignal
}

/// What a deferred handler's task needs to hand its answer back to the loop.
struct PendingAnswer: Sendable {
    let fd: Int32
    let serial: UInt64
    let method: String
    let target: String
    let keepAlive: Bool
    let minorVersion: Int
    let requestId: String
    var route: Route?
    let startedNanoseconds: UInt64
}

/// Messages from other threads to a loop.
enum LoopMessage: Sendable {
    case answered(PendingAnswer, HTTPResponse)
    /// A connection accepted by the listening loop for this loop to serve (`refusal`: answer it 503 and close).
    case adopt(fd: Int32, peer: SocketAddress, refusal: HTTPError?)
    case run(@Sendable (EventLoop) -> Void)
}

/// One thread running epoll over its connections. The first loop also owns the listening socket and hands
/// new connections to the loops in turn. (One listener rather than one per loop with `SO_REUSEPORT`:
/// with that option a second process of the same user could bind the same port and silently take half the
/// connections, where an operator needs "address already in use".)
///
/// `@unchecked Sendable`: every mutable stored property is read and written only on the loop's own thread
/// (inside `run` and the functions it calls); other threads reach the loop only through `post`, whose inbox is
/// a `Mutex`, and the `exit` state, also a `Mutex`. The descriptors are immutable after `init`.
final class EventLoop: @unchecked Sendable {
    let index: Int
    let environment: ServerEnvironment
    let epollFD: Int32
    /// Written by `post` after the inbox lock is released: written under it, the loop it woke waited on that
    /// lock (12.6 % of the process's context switches with wrk posting orders, 2026-12-07). So it is closed
    /// only in `deinit`, when no poster can still hold the loop, never to be a number reused for another file.
    private let wakeFD: Int32
    private(set) var listenerFD: Int32
    /// Messages from other threads; `closed` once the loop has exited, so that a late message is discarded
    /// (its awaiting caller answered) rather than left unread.
    private let inbox = Mutex<(messages: [LoopMessage], closed: Bool)>(([], false))
    private let exit = Mutex<(done: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    var connections: [Int32: Connection] = [:]
    /// Every loop of the server, this one included; set before the threads start, read only on this thread.
    var siblings: [EventLoop] = []
    private var nextSibling = 0
    private var nextSerial: UInt64 = 0
    private var running = true
    var draining = false
    /// Seconds since the epoch on the server clock, read once per wake-up.
    var now: Double = 0
    private var dateSecond: Int64 = -1
    private(set) var dateBytes: [UInt8] = []
    let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
    /// Kept open so that when the process runs out of descriptors a pending connection can still be
    /// accepted and closed instead of spinning on EMFILE.
    private var reserveFD: Int32
    private var lastSweep: Double = 0
    var accessLogBuffer = AccessLog.Buffer()
    private static let sweepInterval = 0.25

    init(index: Int, listenerFD: Int32, environment: ServerEnvironment) throws(SocketError) {
        self.index = index
        self.listenerFD = listenerFD
        self.environment = environment
        epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epollFD >= 0 else { throw SocketError("epoll_create1") }
        wakeFD = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        guard wakeFD >= 0 else {
            let error = SocketError("eventfd")
            close(epollFD)
            throw error
        }
        reserveFD = open("/dev/null", O_RDONLY | O_CLOEXEC)
        register(wakeFD, events: EPOLLIN.rawValue)
        if listenerFD >= 0 { register(listenerFD, events: EPOLLIN.rawValue) }
    }

    deinit {
        readBuffer.deallocate()
        close(wakeFD)
    }

    func register(_ fd: Int32, events: UInt32) {
        var event = epoll_event()
        event.events = events
        event.data.fd = fd
        _ = epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &event)
    }

    // MARK: Cross-thread

    /// Hands a message to the loop and wakes it; callable from any thread.
    func post(_ message: LoopMessage) {
        let (accepted, wake) = inbox.withLock { state in
            guard !state.closed else { return (false, false) }
            state.messages.append(message)
            return (true, state.messages.count == 1)
        }
        guard accepted else { return discard(message) }
        if wake {
            var one: UInt64 = 1
            _ = write(wakeFD, &one, 8)
        }
    }

    /// Releases what a message holds when the loop can no longer take it.
    private func discard(_ message: LoopMessage) {
        switch message {
        case .run(let body): body(self)  // whoever awaits `perform` must still be answered
        case .adopt(let fd, let peer, let refusal):
            close(fd)
            if refusal == nil { environment.limiter.release(peer.ip) }
        case .answered: break
        }
    }

    /// Runs `body` on the loop thread and returns its result.
    func perform<T: Sendable>(_ body: @escaping @Sendable (EventLoop) -> T) async -> T {
        await withCheckedContinuation { continuation in
            post(.run { loop in continuation.resume(returning: body(loop)) })
        }
    }

    /// Returns once the loop thread has exited.
    func waitForExit() async {
        await withCheckedContinuation { continuation in
            let done = exit.withLock { state in
                if !state.done { state.waiters.append(continuation) }
                return state.done
            }
            if done { continuation.resume() }
        }
    }

    func start() {
        let thread = Thread { [self] in
            FatalSignals.prepareAlternateStack()
            run()
        }
        thread.name = "http-loop-\(index)"
        thread.stackSize = 1 << 20
        thread.start()
    }

    // MARK: The loop

    private func run() {
        let capacity = 256
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: capacity)
        defer { events.deallocate() }
        refreshTime()
        lastSweep = now
        while running {
            let count = epoll_wait(epollFD, events, Int32(capacity), Int32(Self.sweepInterval * 1000))
            refreshTime()
            if count > 0 {
                for slot in 0..<Int(count) {
                    let fd = events[slot].data.fd
                    let flags = events[slot].events
                    if fd == wakeFD {
                        drainInbox()
                    } else if fd == listenerFD {
                        acceptConnections()
                    } else if let connection = connections[fd] {
                        handle(connection, flags: flags)
                    }
                }
            }
            if now - lastSweep >= Self.sweepInterval || now < lastSweep {
                lastSweep = now
                sweep()
                environment.accessLog?.flush(&accessLogBuffer)
            }
        }
        shutDownLoop()
    }

    func refreshTime() {
        now = environment.clock.now().timeIntervalSince1970
        let second = Int64(now.rounded(.down))
        if second != dateSecond {
            dateSecond = second
            dateBytes = Array(HTTPDate.format(epochSeconds: second).utf8)
        }
    }

    private func drainInbox() {
        var counter: UInt64 = 0
        _ = read(wakeFD, &counter, 8)
        let messages = inbox.withLock { state in
            defer { state.messages.removeAll(keepingCapacity: true) }
            return state.messages
        }
        for message in messages {
            switch message {
            case .answered(let pending, let response): deliver(pending, response)
            case .adopt(let fd, let peer, let refusal): adopt(fd: fd, peer: peer, refusal: refusal)
            case .run(let body): body(self)
            }
        }
    }

    private func acceptConnections() {
        for _ in 0..<128 {
            guard let (fd, peer) = Socket.accept(listenerFD) else {
                if errno == EMFILE || errno == ENFILE { shedOneConnection() }
                return
            }
            guard let peer else {
                close(fd)
                continue
            }
            environment.metrics.accepted.increment()
            Socket.setOption(fd, Int32(IPPROTO_TCP), TCP_NODELAY)
            let refusal = draining
                ? HTTPError.overloaded("the server is shutting down")
                : environment.limiter.acquire(peer.ip)
            let target = siblings.isEmpty ? self : siblings[nextSibling % siblings.count]
            nextSibling &+= 1
            if target === self {
                adopt(fd: fd, peer: peer, refusal: refusal)
            } else {
                target.post(.adopt(fd: fd, peer: peer, refusal: refusal))
            }
        }
    }

    /// Starts serving an accepted connection on this loop.
    private func adopt(fd: Int32, peer: SocketAddress, refusal: HTTPError?) {
        nextSerial += 1
        let connection = Connection(fd: fd, serial: nextSerial, peer: peer, limits: environment.limits,
                                    countsTowardLimits: refusal == nil, now: now)
        connections[fd] = connection
        register(fd, events: EPOLLIN.rawValue | EPOLLOUT.rawValue | EPOLLRDHUP.rawValue | EPOLLET.rawValue)
        if let refusal {
            environment.metrics.refusedAtCapacity.increment()
            respondAndLinger(connection, refusal, method: "-", target: "-")
        }
    }

    /// Out of descriptors: accept one pending connection with the reserve descriptor and drop it, so the
    /// listener does not stay readable forever.
    private func shedOneConnection() {
        guard reserveFD >= 0 else { return }
        close(reserveFD)
        if let (fd, _) = Socket.accept(listenerFD) { close(fd) }
        reserveFD = open("/dev/null", O_RDONLY | O_CLOEXEC)
    }

    /// Stops accepting: closes this loop's listening socket.
    func closeListener() {
        guard listenerFD >= 0 else { return }
        _ = epoll_ctl(epollFD, EPOLL_CTL_DEL, listenerFD, nil)
        close(listenerFD)
        listenerFD = -1
    }

    /// Ends the loop after the current wake-up.
    func stop() {
        running = false
    }

    private func shutDownLoop() {
        for connection in Array(connections.values) { closeConnection(connection) }
        environment.accessLog?.flush(&accessLogBuffer)
        closeListener()
        let late = inbox.withLock { state in
            state.closed = true
            defer { state.messages.removeAll() }
            return state.messages
        }
        for message in late { discard(message) }
        siblings = []
        close(epollFD)
        if reserveFD >= 0 { close(reserveFD) }
        let waiters = exit.withLock { state in
            state.done = true
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
        environment.drainSignal.notifyAll()
    }
}
