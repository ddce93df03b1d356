import Addressing
import Synchronization

/// Counts open connections in total and per client IP, shared by every event loop.
final class ConnectionLimiter: Sendable {
    private struct State {
        var total = 0
        var perIP: [IPAddress: Int] = [:]
    }

    private let state = Mutex(State())
    let maxTotal: Int
    let maxPerIP: Int

    init(maxTotal: Int, maxPerIP: Int) {
        self.maxTotal = maxTotal
        self.maxPerIP = maxPerIP
    }

    /// Takes a slot for `ip`, or says which limit is full.
    func acquire(_ ip: IPAddress) -> HTTPError? {
        state.withLock { s in
            if s.total >= maxTotal {
                return HTTPError.overloaded("the server is at its limit of \(maxTotal) connections; retry shortly")
            }
            let current = s.perIP[ip, default: 0]
            if current >= maxPerIP {
                return HTTPError.overloaded("too many connections from \(ip) (limit \(maxPerIP)); reuse keep-alive connections")
            }
            s.total += 1
            s.perIP[ip] = current + 1
            return nil
        }
    }

    func release(_ ip: IPAddress) {
        state.withLock { s in
            s.total -= 1
            if let current = s.perIP[ip], current > 1 {
                s.perIP[ip] = current - 1
            } else {
                s.perIP.removeValue(forKey: ip)
            }
        }
    }

    var openCount: Int { state.withLock { $0.total } }
}
