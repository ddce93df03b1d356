import Dashboard
import Workflow

/// What an operator decides about a pipeline run that failed and is held: redrive it from its failed step,
/// or abandon it (undo what it completed).
extension Core {
    func redriveRun(_ runID: String) async throws(OperatorError) -> OperatorOutcome {
        let run = try await decide(runID) { (id) throws(WorkflowError) in try await sagas.redrive(id) }
        let from = run.steps.first { $0.state == .failed }?.name
        return OperatorOutcome(message: "redrove \(run.saga) run \(runID)" + (from.map { " from \($0)" } ?? ""), runID: runID)
    }

    func abandonRun(_ runID: String) async throws(OperatorError) -> OperatorOutcome {
        let run = try await decide(runID) { (id) throws(WorkflowError) in try await sagas.abandon(id) }
        let undone = run.steps.filter { $0.state == .succeeded }.map(\.name).reversed()
        return OperatorOutcome(message: "abandoned \(run.saga) run \(runID): undoing \(undone.isEmpty ? "nothing" : undone.joined(separator: ", "))",
                               runID: runID)
    }

    /// Carries out `change` on one of the pipeline's runs (checkout runs are the shop's own business) and
    /// returns the run as it was before.
    private func decide(_ runID: String, _ change: (String) async throws(WorkflowError) -> Void) async throws(OperatorError) -> SagaRun {
        guard let run = await sagas.lookUp(runID), run.saga == RecommendationPipeline.name else {
            throw OperatorError(.notFound, "no \(RecommendationPipeline.name) run \(runID.prefix(80))")
        }
        do throws(WorkflowError) {
            try await change(runID)
        } catch {
            switch error {
            case .runNotFound: throw OperatorError(.notFound, "\(error)")
            case .invalidRunState: throw OperatorError(.conflict, "\(error)")
            default: throw OperatorError(.unavailable, "\(error)")
            }
        }
        return run
    }
}
