import Foundation
import Synchronization
import WAF

/// `bench waf`: the gateway's firewall inspecting a mix of shop requests and attacks (`WAFWorkload`) on one
/// thread and on every core — inspections per second and µs per request at p50/p99, for the mix and for each
/// kind — with what the production firewall has around the detectors: an IP set to check, a rate rule
/// counting 1,000 client addresses, the clean-value cache warmed by one pass.
struct WAFBenchmark {
    let quick: Bool

    func run(progress: (String) -> Void) -> BenchReport {
        let requests = WAFWorkload.make(count: quick ? 5_000 : 20_000)
        let firewall = Self.productionLikeFirewall()
        let clients = (0..<1000).map { [10, 20, UInt8($0 / 256), UInt8($0 % 256)] as [UInt8] }
        let seconds = quick ? 1.0 : 4.0
        var report = BenchReport(bench: "waf")

        progress("warming the clean-value cache")
        var verdicts: [WAFWorkload.Request.Kind: (blocked: Int, total: Int)] = [:]
        for (index, request) in requests.enumerated() {
            let blocked = Self.inspect(firewall, request, client: clients[index % clients.count]) != .allow
            verdicts[request.kind, default: (0, 0)].total += 1
            verdicts[request.kind, default: (0, 0)].blocked += blocked ? 1 : 0
        }

        progress("one thread for \(Int(seconds)) s")
        let single = Self.measure(firewall, requests, clients: clients, threads: 1, seconds: seconds)
        progress("\(Self.cores) threads for \(Int(seconds)) s")
        let all = Self.measure(firewall, requests, clients: clients, threads: Self.cores, seconds: seconds)

        let mix = single.samples.values.flatMap { $0 }
        report.results.append(.latency("inspect_mix", mix, params: [("threads", "1")], opsPerSecond: single.rate))
        report.results.append(.latency("inspect_mix", all.samples.values.flatMap { $0 }, params: [("threads", "\(Self.cores)")], opsPerSecond: all.rate))
        for kind in WAFWorkload.Request.Kind.allCases {
            let samples = single.samples[kind] ?? []
            let counts = verdicts[kind] ?? (0, 0)
            report.results.append(.latency("inspect_\(kind.rawValue)", samples, params: [("threads", "1")],
                                            extra: [("mean_us", Self.mean(samples)), ("blocked_pct", 100 * Double(counts.blocked) / Double(max(counts.total, 1)))]))
        }
        report.notes.append("inspect_typical: a browser's GET /api/products/{id} with User-Agent, Referer and cookies (target < 20 µs)")
        report.notes.append("the mix: 2/5 typical, 2/5 other benign (searches with look-alikes, JSON orders, sign-ins, events), 1/5 attacks; "
                            + "ops/s of a kind = 1 / its mean on one thread; blocked_pct of benign kinds are false positives")
        return report
    }

    static var cores: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// The gateway's firewall as it stands in production, with a rate limit no bench client reaches and the
    /// repeat-offender rule off (the attacks come from the shoppers' addresses).
    static func productionLikeFirewall() -> WebApplicationFirewall {
        let firewall = WebApplicationFirewall(rateRules: [RateRule(name: "rate-limit", limit: 1_000_000_000, windowSeconds: 300)])
        firewall.repeatOffenders.action = .off
        for index in 0..<20 {
            let network: [UInt8] = [198, 51, UInt8(index), 0]
            firewall.blocks.add(IPBlock(cidr: "198.51.\(index).0/24", network: network, prefixLength: 24, reason: "bench", source: "manual",
                                        createdAt: Date(), expiresAt: nil))
        }
        return firewall
    }

    static func inspect(_ firewall: WebApplicationFirewall, _ request: WAFWorkload.Request, client: [UInt8]) -> WAFVerdict {
        firewall.inspect(method: request.method, target: request.target, headers: request.headers, body: request.body,
                         clientIP: "10.20.\(client[2]).\(client[3])", clientAddress: client)
    }

    struct Measured {
        var rate: Double
        var samples: [WAFWorkload.Request.Kind: [Double]]
    }

    /// Inspects the requests round-robin on `threads` threads for `seconds`, timing each, after one untimed
    /// pass per thread (the clean-value cache is sharded by thread, as the server's event loops use it). Each
    /// thread times at least one whole pass, so every kind of request is timed however little of the machine
    /// the threads get: a short run under a busy test suite once timed no attack at all.
    static func measure(_ firewall: WebApplicationFirewall, _ requests: [WAFWorkload.Request], clients: [[UInt8]], threads: Int, seconds: Double) -> Measured {
        let results = Mutex<[Measured]>([])
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            for (index, request) in requests.enumerated() { _ = inspect(firewall, request, client: clients[index % clients.count]) }
            let started = DispatchTime.now().uptimeNanoseconds
            let deadline = started + UInt64(seconds * 1e9)
            var samples: [WAFWorkload.Request.Kind: [Double]] = [:]
            var index = thread * requests.count / threads
            var done = 0
            while done < requests.count || DispatchTime.now().uptimeNanoseconds < deadline {
                let request = requests[index % requests.count]
                let began = DispatchTime.now().uptimeNanoseconds
                _ = inspect(firewall, request, client: clients[index % clients.count])
                samples[request.kind, default: []].append(Double(DispatchTime.now().uptimeNanoseconds - began) / 1000)
                index += 1
                done += 1
            }
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            results.withLock { $0.append(Measured(rate: Double(done) / elapsed, samples: samples)) }
        }
        return results.withLock { parts in
            Measured(rate: parts.reduce(0) { $0 + $1.rate },
                     samples: parts.reduce(into: [:]) { merged, part in merged.merge(part.samples) { $0 + $1 } })
        }
    }

    static func mean(_ samples: [Double]) -> Double { samples.isEmpty ? 0 : samples.reduce(0, +) / Double(samples.count) }
}
