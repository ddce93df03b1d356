import Dashboard
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The console's loop, on a thread of its own: draw, wait for a key (at most until the next refresh),
/// update the model, hand actions to the shop (their outcomes come back to the event strip), and ask for a
/// snapshot every `refreshSeconds` — on a task, so a slow or unreachable shop never holds up the keys.
/// While the shop cannot be reached the console stays up, says so, and asks again with backoff. Ends on
/// `q`/`:quit`, or on SIGINT, SIGTERM or SIGHUP — and always gives the terminal back.
public final class ConsoleApp: Sendable {
    public struct Settings: Sendable {
        public var refreshSeconds: Double
        public var colour: Bool
        public var ascii: Bool
        public var scenario: String?
        /// The simulator's starting rate, in actions per second.
        public var rate: Double?

        public init(refreshSeconds: Double = 1, colour: Bool = true, ascii: Bool = false, scenario: String? = nil, rate: Double? = nil) {
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
    /// The longest wait between tries while the shop cannot be reached.
    static let maximumBackoffSeconds = 10.0

    /// What finished on another task, for the loop to take in.
    private enum Arrival {
        case line(String)
        case snapshot(DashboardSnapshot)
        case unreachable(String)
    }

    private let source: any DashboardSource
    private let settings: Settings
    private let inbox = Mutex<[Arrival]>([])
    private let fetching = Atomic<Bool>(false)
    private let simulation: Simulation?

    public init(source: any DashboardSource, settings: Settings, simulation: Simulation? = nil) {
        self.source = source
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
        model.readOnly = source.readOnly
        requestSnapshot(focus: nil, windowSeconds: nil)
        var nextRefresh = Date().addingTimeInterval(settings.refreshSeconds)
        var failures = 0
        // Rendered only when something changed — a key, a snapshot, a note — so an idle console costs a
        // wake-up a few times a second and one render per refresh.
        var changed = true
        while !Self.stopRequested.load(ordering: .relaxed) {
            if changed { terminal.draw(Screen.render(model)) }
            changed = false
            // Short waits while a snapshot is on its way, so it shows as soon as it lands.
            let ceiling = fetching.load(ordering: .relaxed) ? 20.0 : 250.0
            let wait = Int32(max(10, min(ceiling, nextRefresh.timeIntervalSinceNow * 1000)))
            if let key = terminal.readKey(milliseconds: wait) {
                changed = true
                let focusBefore = model.dashboardFocus
                for command in model.update(key) where !handle(command, &model) { return nil }
                // A detail view opened or another product selected: fetch its rows now, not at the next tick.
                if let focus = model.dashboardFocus, focus != focusBefore { nextRefresh = .distantPast }
            }
            for arrival in inbox.withLock({ arrivals in defer { arrivals = [] }; return arrivals }) {
                changed = true
                switch arrival {
                case .line(let line):
                    model.note(line)
                case .snapshot(let snapshot):
                    model.receive(snapshot)
                    model.connection = .connected
                    model.readOnly = source.readOnly
                    failures = 0
                case .unreachable(let reason):
                    if case .connected = model.connection { model.connection = .disconnected(since: Date(), reason: reason) }
                    failures += 1
                    // Backoff: the refresh interval doubling up to a ceiling, from the failure on.
                    let delay = min(Self.maximumBackoffSeconds, settings.refreshSeconds * Double(1 << min(failures, 6)))
                    nextRefresh = Date().addingTimeInterval(delay)
                }
            }
            if Date() >= nextRefresh, !fetching.load(ordering: .relaxed) {
                requestSnapshot(focus: model.dashboardFocus, windowSeconds: model.window.seconds)
                nextRefresh = Date().addingTimeInterval(settings.refreshSeconds)
            }
        }
        return nil
    }

    /// Asks the source for a snapshot on a task; it comes back through the inbox.
    private func requestSnapshot(focus: DashboardFocus?, windowSeconds: Int?) {
        guard !fetching.exchange(true, ordering: .acquiringAndReleasing) else { return }
        Task { [self] in
            let arrival: Arrival
            do throws(SourceError) {
                arrival = .snapshot(try await source.snapshot(focus: focus, windowSeconds: windowSeconds))
            } catch {
                arrival = .unreachable(error.description)
            }
            inbox.withLock { $0.append(arrival) }
            fetching.store(false, ordering: .releasing)
        }
    }

    /// Carries out a command; false when the console should stop.
    private func handle(_ command: ConsoleCommand, _ model: inout ConsoleModel) -> Bool {
        switch command {
        case .quit:
            return false
        case .perform(let action):
            guard !source.readOnly else {
                model.note("read-only: this console cannot \(action.summary) (a viewer token or --read-only)")
                return true
            }
            model.note("working: \(action.summary)…")
            Task { [self] in
                let line: String
                do throws(OperatorError) {
                    line = try await source.perform(action).message
                } catch {
                    line = "refused: \(error.description)"
                }
                inbox.withLock { $0.append(.line(line)) }
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
        case let .unblockMatching(source, within): "unblock " + [source.map { "from \($0)" }, within.map { "inside \($0)" }].compactMap { $0 }.joined(separator: " ")
        case .allow(let cidr, _): "allowlist \(cidr)"
        case .disallow(let cidr): "take \(cidr) off the allowlist"
        case .rerunPipeline(let failAt): "re-run recommendations" + (failAt.map { " failing at \($0)" } ?? "")
        case .redrive(let queue): "redrive \(queue)"
        case .redriveRun(let runID): "redrive run \(runID.prefix(8))"
        case .abandonRun(let runID): "abandon run \(runID.prefix(8))"
        case .setRule(let name, let action, _, _, _): "set \(name)" + (action.map { " to \($0)" } ?? "")
        case .purge(let queue): "purge \(queue)"
        case .restock(let id, let stock): "restock \(id) to \(stock)"
        case .createAPIKey(let name, _, _, _): "create API key \(name)"
        case .createDrop(let id, let stock, _): "drop \(stock) of \(id)"
        case .updateSchedule(let name, _, _): "update schedule \(name)"
        case .acknowledgeRepairs: "acknowledge repairs"
        case .rotateToken(let role): "rotate the \(role) token"
        case .splitShoppers(let percent): percent == 0 ? "end the A/B split" : "keep \(percent) % of shoppers on the earlier model"
        }
    }
}
