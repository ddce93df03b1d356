import Foundation
import Testing
import WAF
@testable import shopdeck

/// `bench waf` measures what it says: its workload's attacks are all blocked and its shop traffic all
/// passes, so a detector that stopped working (or started refusing shoppers) would show here first.
@Suite struct WAFBenchTests {
    @Test func theWorkloadsAttacksAreBlockedAndItsShoppersPass() {
        let firewall = WAFBenchmark.productionLikeFirewall()
        let requests = WAFWorkload.make(count: 3000)
        #expect(Set(requests.map(\.kind)) == Set(WAFWorkload.Request.Kind.allCases))
        for (index, request) in requests.enumerated() {
            let verdict = WAFBenchmark.inspect(firewall, request, client: [10, 20, 0, UInt8(index % 200)])
            if request.kind == .attack {
                #expect(verdict != .allow, "missed: \(request.method) \(request.target) \(request.headers.last.map { "\($0.name): \($0.value)" } ?? "") \(String(decoding: request.body, as: UTF8.self))")
            } else {
                #expect(verdict == .allow, "refused: \(request.method) \(request.target) \(String(decoding: request.body, as: UTF8.self))")
            }
        }
    }

    @Test func aShortRunReportsEveryKind() {
        let firewall = WAFBenchmark.productionLikeFirewall()
        let measured = WAFBenchmark.measure(firewall, WAFWorkload.make(count: 200), clients: [[10, 20, 0, 1]], threads: 2, seconds: 0.05)
        #expect(measured.rate > 0)
        #expect(Set(measured.samples.keys) == Set(WAFWorkload.Request.Kind.allCases))
        let result = BenchResult.latency("inspect_mix", measured.samples.values.flatMap { $0 }, params: [("threads", "2")], opsPerSecond: measured.rate)
        #expect(result.p50Microseconds! <= result.p99Microseconds!)
    }
}

@Suite struct ProcessCPUTests {
    @Test func aProcessesCPUTimeIsReadFromProc() {
        let before = HTTPBenchmark.cpuSeconds(of: getpid())
        var sink: UInt64 = 0
        let started = Date()
        while Date().timeIntervalSince(started) < 0.1 { for value in 0..<10_000 { sink &+= UInt64(value) &* 2_654_435_761 } }
        #expect(sink != 1)
        #expect(HTTPBenchmark.cpuSeconds(of: getpid()) > before)
        #expect(HTTPBenchmark.cpuSeconds(of: -1) == 0, "no such process")
    }
}
