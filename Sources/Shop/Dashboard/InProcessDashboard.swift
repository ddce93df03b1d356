import Dashboard
import Foundation

/// The console's source when it runs in the shop's own process (`run`, `demo`): snapshots and actions
/// straight from the core, actions audited as the console's.
public struct InProcessDashboard: DashboardSource {
    public let core: Core
    /// The HTTP address the shop listens on, for the header.
    public let listening: String?

    public init(core: Core, listening: String?) {
        self.core = core
        self.listening = listening
    }

    public var readOnly: Bool { false }

    public func snapshot(focus: DashboardFocus?, windowSeconds: Int?) async throws(SourceError) -> DashboardSnapshot {
        guard !core.isClosing else { throw SourceError("the shop is stopping") }
        return core.dashboard(listening: listening, focus: focus, windowSeconds: windowSeconds)
    }

    public func perform(_ action: OperatorAction) async throws(OperatorError) -> OperatorOutcome {
        try await core.perform(action, actor: "console")
    }
}
