import Foundation
import FuzzSupport
import Journal
import Testing
import Telemetry
@testable import Workflow

/// Which ended runs the engine keeps listing: a quota per saga, the same after a reopen.
@Suite struct SagaRetentionTests {
    /// An engine keeping `quota` ended runs per saga, with one-step sagas `busy` and `quiet` registered.
    func engine(_ dir: TemporaryDirectory, quota: Int) throws -> SagaEngine {
        let clock = ManualClock()
        let log = EffectLog()
        let sagas = try SagaEngine(directory: dir.path, clock: clock, retainedRunsPerSaga: quota, random: { 1 })
        try sagas.register(SagaDefinition(name: "busy", steps: [SagaStep("work", action: log.step("work", clock: clock))]))
        try sagas.register(SagaDefinition(name: "quiet", steps: [SagaStep("train", action: log.step("train", clock: clock))]))
        return sagas
    }

    @Test func aBusySagaForgetsItsOldRunsWithoutPushingOutAQuietOne() async throws {
        let dir = TemporaryDirectory()
        let quota = 5
        let sagas = try engine(dir, quota: quota)

        var quiet: [String] = []
        for _ in 0..<3 { quiet.append(try await sagas.waitForRun(try await sagas.start("quiet", input: [:])).runID) }
        var busy: [String] = []
        for _ in 0..<(quota * 20) { busy.append(try await sagas.waitForRun(try await sagas.start("busy", input: [:])).runID) }

        func check(_ engine: SagaEngine) {
            let listed = engine.runs(saga: "busy", limit: 1000).map(\.runID)
            // The newest runs are listed; the oldest are forgotten (the quota is reached again between passes).
            #expect(listed.count >= quota && listed.count <= quota * 2 + 64, "\(listed.count) busy runs listed")
            #expect(listed.first == busy.last)
            #expect(engine.run(busy[0]) == nil)
            #expect(engine.runs(saga: "quiet", limit: 1000).map(\.runID) == quiet.reversed())
        }
        check(sagas)
        await sagas.close()
        let reopened = try engine(dir, quota: quota)
        check(reopened)
        await reopened.close()
    }

    @Test func aBusySagasListingStaysWithinAnEighthOfItsQuota() async throws {
        let dir = TemporaryDirectory()
        let quota = 640
        let sagas = try engine(dir, quota: quota)
        var most = 0
        for _ in 0..<900 {
            _ = try await sagas.waitForRun(try await sagas.start("busy", input: [:]))
            most = max(most, sagas.runs(saga: "busy", limit: 10_000).count)
        }
        #expect(most <= quota + quota / 8 + 1, "the listing grew to \(most) runs")
        #expect(sagas.runs(saga: "busy", limit: 10_000).count >= quota)
        await sagas.close()
    }

    /// Differential: the pass that walks from the oldest run and stops early forgets exactly the runs the
    /// plain rule does — of each saga, every succeeded or compensated run but the newest `quota` (by start),
    /// at the same moments — over seeded mixes of sagas, endings (failures kept) and finishing orders, and
    /// across a snapshot read back mid-way (when the counts must be found afresh).
    @Test func forgettingMatchesThePlainRuleOnSeededHistories() throws {
        struct Plain {
            var runs: [String: (saga: String, ended: Bool)] = [:]
            var order: [String] = []
            var countAfter = 0
            let quota: Int

            mutating func pass() {
                guard order.count - countAfter > max(quota / 8, 64) else { return }
                var kept: [String: Int] = [:]
                for id in order.reversed() {
                    guard let run = runs[id], run.ended else { continue }
                    kept[run.saga, default: 0] += 1
                    if kept[run.saga]! > quota { runs[id] = nil }
                }
                order.removeAll { runs[$0] == nil }
                countAfter = order.count
            }
        }
        try Fuzz.run("saga retention", defaultCases: 40) { generator, index in
            let quota = generator.pick([1, 3, 8, 64, 100])
            var state = SagaState()
            state.retainedRunsPerSaga = quota
            var plain = Plain(quota: quota)
            var open: [String] = []
            var at: Int64 = 0
            for serial in 0..<generator.int(100...900) {
                at += 1
                if open.isEmpty || generator.chance(0.55) {
                    let id = "r\(serial)", saga = generator.pick(["busy", "busy", "busy", "quiet", "nightly"])
                    state.apply(.started(runID: id, saga: saga, steps: ["a"], input: [:], failAt: nil, atMillis: at, entering: true), lsn: UInt64(at))
                    plain.runs[id] = (saga, false)
                    plain.order.append(id)
                    open.append(id)
                } else {
                    let id = open.remove(at: generator.int(0...(open.count - 1)))
                    let ending = generator.pick([RunState.succeeded, .succeeded, .compensated, .failed])
                    state.apply(.finished(runID: id, state: ending, detail: nil, atMillis: at), lsn: UInt64(at))
                    plain.runs[id]?.ended = ending != .failed
                    plain.pass()
                }
                if generator.chance(0.003) {
                    var writer = ByteWriter()
                    SagaCodec.writeSnapshot(state, to: &writer)
                    let retained = state.retainedRunsPerSaga
                    state = try writer.bytes.withUnsafeBytes { (raw) throws(DecodingError) in try SagaCodec.readSnapshot(raw) }
                    state.retainedRunsPerSaga = retained
                    #expect(state.forgettable == nil)
                    plain.countAfter = 0  // a state read back passes at its next ending, as after a reopen
                }
                #expect(state.order == plain.order, "case \(index) (quota \(quota)): the runs listed differ after \(serial + 1) records")
                if state.order != plain.order { return }
            }
        }
    }
}
