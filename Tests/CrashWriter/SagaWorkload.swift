import Foundation
import Store
import Workflow

// Saga lines:
//   R <runID>           a run's start was acknowledged
//   done                (saga-resume) every run has finished
//
// Steps record their effects in a store table "effects", keyed by the step's idempotency key:
// `invocations` counts how often the action ran, `applied` is the effect, `compensations` counts undos.

func sagaDefinition(store: Store, type: SagaType) -> SagaDefinition {
    func action(_ name: String) -> @Sendable (StepContext) async throws -> Void {
        { context in
            try await store.update("effects", key: ["key": .string(context.idempotencyKey)],
                                   UpdateExpression().add("invocations", 1).set("applied", true))
        }
    }
    func undo(_ name: String) -> @Sendable (StepContext) async throws -> Void {
        { context in
            try await store.update("effects", key: ["key": .string(context.idempotencyKey)],
                                   UpdateExpression().add("compensations", 1).set("applied", false))
        }
    }
    let retry = [RetryPolicy(errorEquals: ["*"], intervalSeconds: 0, maxAttempts: 2)]
    return SagaDefinition(name: "order", steps: [
        SagaStep("reserve", retry: retry, action: action("reserve"), compensation: undo("reserve")),
        SagaStep("pay", retry: retry, action: action("pay"), compensation: undo("pay")),
        SagaStep("confirm", retry: retry, action: action("confirm")),
    ], compensationRetry: RetryPolicy(intervalSeconds: 0, maxAttempts: 10), type: type)
}

/// `saga` runs standard sagas, `saga-express` express ones (whose steps may run again after a kill: each
/// sets its effect rather than toggling it, and an undo of a step that never ran is harmless).
func sagaType(mode: String) -> SagaType { mode.contains("express") ? .express : .standard }

func openSagaParts(directory: String, type: SagaType) async throws -> (Store, SagaEngine) {
    var options = StoreOptions()
    options.maintenanceIntervalSeconds = nil
    let store = try Store(directory: directory + "/store", options: options)
    try await store.ensureTable(TableSchema(name: "effects", partitionKey: KeyAttribute("key", .string)))
    // Every run the checker was told about must still be listed: no forgetting in this workload.
    let engine = try SagaEngine(directory: directory + "/sagas", retainedRunsPerSaga: Int.max)
    try engine.register(sagaDefinition(store: store, type: type))
    return (store, engine)
}

func sagaWorkload(directory: String, run: String, type: SagaType) async throws {
    let (_, engine) = try await openSagaParts(directory: directory, type: type)
    // Runs interrupted by an earlier kill continue alongside the new ones.
    engine.resumeInterrupted()
    say("ready")
    await withTaskGroup(of: Void.self) { group in
        for starter in 0..<4 {
            group.addTask {
                var n = 0
                while true {
                    n += 1
                    let failAt: String? = n % 3 == 0 ? "confirm" : nil
                    do {
                        let id = try await engine.start("order", input: ["starter": "\(starter)"], failAt: failAt, runID: "\(run)-\(starter)-\(n)")
                        say("R \(id)")
                        _ = try await engine.waitForRun(id)
                    } catch { say("E \(error)") }
                }
            }
        }
    }
}

/// Finishes every run a kill left open, then exits.
func sagaResume(directory: String, type: SagaType) async throws {
    let (store, engine) = try await openSagaParts(directory: directory, type: type)
    for id in engine.resumeInterrupted() { _ = try await engine.waitForRun(id) }
    await engine.close()
    await store.close()
    say("done")
}
