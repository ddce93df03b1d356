import Foundation
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
}
