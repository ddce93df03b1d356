import CrashHarness
import Foundation
import Store
import Testing
@testable import Workflow

/// Kills a child running many sagas at random moments, lets a second child finish what it left, and checks:
/// every run ended `succeeded` or `compensated`, completed steps never ran again, every run that started an
/// action had journaled it first, and compensations undid exactly what had been done. Express sagas the same,
/// except that a step's action may run more often than the journal entered it: their steps' successes are
/// journaled only with the run's end or a failure, so after a kill the run goes through them again.
@Suite(.serialized) struct SagaCrashTests {
    func check(_ directory: String, started: Set<String>, type: SagaType) async throws {
        var options = StoreOptions()
        options.maintenanceIntervalSeconds = nil
        let store = try Store(directory: directory + "/store", options: options)
        // Every acknowledged run is checked, so none may be forgotten (the child keeps them all too).
        let engine = try SagaEngine(directory: directory + "/sagas", retainedRunsPerSaga: Int.max)
        do {
            try await checkRuns(engine, store, started: started, type: type)
        } catch {
            Issue.record("checking failed: \(error)")
        }
        // Closed before the next child opens the same directories.
        await engine.close()
        await store.close()
    }

    func checkRuns(_ engine: SagaEngine, _ store: Store, started: Set<String>, type: SagaType) async throws {
        for id in started {
            guard let run = engine.run(id) else {
                Issue.record("acknowledged run \(id) is missing")
                continue
            }
            #expect(run.state == .succeeded || run.state == .compensated, "run \(id) ended \(run.state)")
            for (index, step) in run.steps.enumerated() {
                let events = run.history.filter { $0.step == step.name }
                let entered = events.filter { $0.type == "stepEntered" }.count
                let compensationsEntered = events.filter { $0.type == "compensationEntered" }.count
                if let succeeded = events.firstIndex(where: { $0.type == "stepSucceeded" }) {
                    #expect(!events[(succeeded + 1)...].contains { $0.type == "stepEntered" }, "\(id)/\(step.name) ran again after it completed")
                }
                #expect(events.filter { $0.type == "stepCompensated" }.count <= 1, "\(id)/\(step.name) compensated twice")
                let effect = try await store.get("effects", key: ["key": .string("\(id)/\(step.name)")])
                let invocations = Int(effect?["invocations"]?.int64Value ?? 0)
                let compensations = Int(effect?["compensations"]?.int64Value ?? 0)
                if type == .standard {
                    #expect(invocations <= entered, "\(id)/\(step.name) ran \(invocations) times but was entered \(entered) times")
                }
                #expect(compensations <= compensationsEntered, "\(id)/\(step.name) undone without a journaled entry")
                let applied = effect?["applied"]?.boolValue ?? false
                if run.state == .succeeded {
                    #expect(applied, "\(id)/\(step.name) succeeded but its effect is missing")
                } else if index < 2 {
                    #expect(!applied, "\(id)/\(step.name) was not undone")
                }
            }
        }
    }

    @Test(arguments: [SagaType.standard, .express])
    func everyRunEndsSucceededOrCompensatedAfterKills(type: SagaType) async throws {
        let mode = type == .express ? "saga-express" : "saga"
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("saga-crash-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var started = Set<String>()
        var errors: [String] = []
        var generator = SystemRandomNumberGenerator()
        for round in 0..<ChildWriter.rounds {
            let killAfter = round % 5 == 0 ? 0 : Int.random(in: 1...200, using: &generator)
            let outcome = try await onThread { try ChildWriter.runAndKill([mode, directory], killAfter: killAfter) }
            #expect(outcome.becameReady && outcome.linesAtKill > killAfter)
            for line in outcome.lines {
                if line.hasPrefix("R ") { started.insert(String(line.dropFirst(2))) }
                if line.hasPrefix("E ") { errors.append(String(line)) }
            }
            let resume = try await onThread { try ChildWriter.runToEnd([mode + "-resume", directory]) }
            #expect(resume.status == 0 && resume.lines.last == "done", "the resume run did not finish: \(resume.lines.suffix(3))")
            try await check(directory, started: started, type: type)
        }
        #expect(errors.isEmpty, "\(errors.prefix(3))")
        #expect(started.count > 20)
    }
}
