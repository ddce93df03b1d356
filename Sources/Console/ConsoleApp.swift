import Foundation
import Shop
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The console's loop, on a thread of its own: draw, wait for a key (at most until the next refresh),
/// update the model, hand actions to the core (their outcomes come back to the event strip), refresh the
/// snapshot every `refreshSeconds`. Ends on `q`/`:quit`, or on SIGINT, SIGTERM or SIGHUP — and always gives
/// the terminal back.
public final class ConsoleApp: Sendable {
    public struct Settings: Sendable {
        public var listen: String?
        public var refreshSeconds: Double
        public var colour: Bool
        public var ascii: Bool
        public var scenario: String?
        /// The simulator's starting rate, in actions per second.
        public var rate: Double?

        public init(listen: String?, refreshSeconds: Double = 1, colour: Bool = true, ascii: Bool = false, scenario: String? = nil,
                    rate: Double? = nil) {
            self.listen = listen
            self.refreshSeconds = refreshSeconds
            self.colour = colour
            self.ascii = ascii
            self.scenario = scenario
            self.rate = rate
        }
    }

    /// How the console steers a simulator running beside it (`demo`); each call returns false when the
    /// simulator refuses the value.
    public struct Simulation: Sendable {
        public var setScenario: @Sendable (String) -> Bool
        public var setPaused: @Sendable (Bool) -> Void
        public var setRate: @Sendable (Double) -> Bool

        public init(setScenario: @escaping @Sendable (String) -> Bool, setPaused: @escaping @Sendable (Bool) -> Void,
                    setRate: @escaping @Sendable (Double) -> Bool) {
            self.setScenario = setScenario
            self.setPaused = setPaused
            self.setRate = setRate
        }
    }

    /// Set from a signal handler: the loop notices within one key wait.
    static let stopRequested = Atomic<Bool>(false)

    private let core: Core
    private let settings: Settings
    /// Outcomes of actions finishing on other tasks, for the event strip.
    private let inbox = Mutex<[String]>([])
    private let simulation: Simulation?

    public init(core: Core, settings: Settings, simulation: Simulation? = nil) {
        self.core = core
        self.settings = settings
        self.simulation = simulation
    }

    /// Runs the console until it is quit; throws if there is no terminal to run in.
    public func run() async throws(TerminalError) {
        let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<TerminalError?, Never>) in
            let thread = Thread { [self] in continuation.resume(returning: loop()) }
            thread.name = "console"
            thread.start()
        }
        if let outcome { throw outcome }
    }

    private func loop() -> TerminalError? {
        let terminal: Terminal
        do throws(TerminalError) {
            terminal = try Terminal(colour: settings.colour)
        } catch {
            return error
        }
        defer { terminal.restore() }
        Self.stopRequested.store(false, ordering: .relaxed)
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
            signal(signalNumber) { _ in ConsoleApp.stopRequested.store(true, ordering: .relaxed) }
        }
        var model = ConsoleModel(width: terminal.width, height: terminal.height, colour: settings.colour, ascii: settings.ascii,
                                 scenario: simulation == nil ? nil : settings.scenario, rate: simulation == nil ? nil : settings.rate)
        model.snapshot = core.dashboard(listening: settings.listen)
        var nextRefresh = Date().addingTimeInterval(settings.refreshSeconds)
        // Rendered only when something changed — a key, a snapshot, a note — so an idle console costs a
        // wake-up a few times a second and one render per refresh.
        var changed = true
        while !Self.stopRequested.load(ordering: .relaxed) {
            if changed { terminal.draw(Screen.render(model)) }
            changed = false
            let wait = Int32(max(10, min(250, nextRefresh.timeIntervalSinceNow * 1000)))
            if let key = terminal.readKey(milliseconds: wait) {
                changed = true
                let focusBefore = model.dashboardFocus
                for command in model.update(key) where !handle(command, &model) { return nil }
                // A detail view opened or another product selected: fetch its rows now, not at the next tick.
                if let focus = model.dashboardFocus, focus != focusBefore { nextRefresh = .distantPast }
            }
            for line in inbox.withLock({ lines in defer { lines = [] }; return lines }) {
                model.note(line)
                changed = true
            }
            if Date() >= nextRefresh {
                model.snapshot = core.dashboard(listening: settings.listen, focus: model.dashboardFocus)
                nextRefresh = Date().addingTimeInterval(settings.refreshSeconds)
                changed = true
            }
        }
        return nil
    }

    /// Carries out a command; false when the console should stop.
    private func handle(_ command: ConsoleCommand, _ model: inout ConsoleModel) -> Bool {
        switch command {
        case .quit:
            return false
        case .perform(let action):
            model.note("working: \(action.summary)…")
            Task { [self] in
                let line: String
                do throws(OperatorError) {
                    line = try await core.perform(action).message
                } catch {
                    line = "refused: \(error.description)"
                }
                inbox.withLock { $0.append(line) }
            }
        case .setScenario(let name):
            guard let simulation else { return true }
            model.note(simulation.setScenario(name) ? "scenario \(name)" : "the simulator refused scenario \(name)")
        case .setRate(let rate):
            guard let simulation else { return true }
            model.note(simulation.setRate(rate) ? String(format: "simulator rate %.1f actions/s", rate) : "the simulator refused rate \(rate)")
        case .togglePause:
            guard let simulation else { return true }
            simulation.setPaused(model.paused)
            model.note(model.paused ? "simulator paused" : "simulator resumed")
        }
        return true
    }
}

extension OperatorAction {
    /// A few words for the event strip while the action runs.
    var summary: String {
        switch self {
        case .block(let cidr, _, _, _): "block \(cidr)"
        case .unblock(let cidr): "unblock \(cidr)"
        case .rerunPipeline(let failAt): "re-run recommendations" + (failAt.map { " failing at \($0)" } ?? "")
        case .redrive(let queue): "redrive \(queue)"
        case .setRule(let name, let action, _, _): "set \(name)" + (action.map { " to \($0)" } ?? "")
        case .purge(let queue): "purge \(queue)"
        case .restock(let id, let stock): "restock \(id) to \(stock)"
        case .createAPIKey(let name, _, _, _): "create API key \(name)"
        case .createDrop(let id, let stock, _): "drop \(stock) of \(id)"
        case .updateSchedule(let name, _, _): "update schedule \(name)"
        case .acknowledgeRepairs: "acknowledge repairs"
        }
    }
}
