import Dashboard
import Store

/// The A/B split of shoppers between the model in service and the version before it, as an operator sets it.
extension Core {
    func splitShoppers(_ percent: Int) async throws(OperatorError) -> OperatorOutcome {
        guard (0...50).contains(percent) else { throw OperatorError(.invalid, "percent must be 0 to 50 (the share kept on the earlier version)") }
        guard percent == 0 || recommendations.controlVersion() != nil else {
            throw OperatorError(.conflict, "there is no earlier model version to compare the one in service with")
        }
        do throws(StoreError) {
            try await recommendations.setSplit(percent)
        } catch {
            throw OperatorError(.unavailable, "the split could not be saved: \(error)")
        }
        guard percent > 0, let control = recommendations.controlVersion(), let current = recommendations.slot.current?.version else {
            return OperatorOutcome(message: "ended the A/B split: every shopper gets the model in service")
        }
        return OperatorOutcome(message: "\(percent) % of shoppers stay on model version \(control), the rest get version \(current)")
    }
}
