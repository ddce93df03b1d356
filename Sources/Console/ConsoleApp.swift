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

        public init(listen: String?, refreshSeconds: Double = 1, colour: Bool = true, ascii: Bool = false, scenario: String? = nil) {
            self.listen = listen
            self.refreshSeconds = refreshSeconds
            self.colour = colour
            self.ascii = ascii
            self.scenario = scenario
        }
    }

    /// Set from a signal handler: the loop notices within one key wait.
    static let stopRequested = Atomic<Bool>(false)

    private let core: Core
    private let settings: Settings
    /// Outcomes of actions finishing on other tasks, for the event strip.
    private let inbox = Mutex<[String]>([])
    /// Called with the new scenario, and with the paused state, when the operator changes them.
    private let onScenario: @Sendable (String) -> Void
    private let onPause: @Sendable (Bool) -> Void

    public init(core: Core, settings: Settings, onScenario: @escaping @Sendable (String) -> Void = { _ in },
                onPause: @escaping @Sendable (Bool) -> Void = { _ in }) {
        self.core = core
        self.settings = settings
        self.onScenario = onScenario
        self.onPause = onPause
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
                                 scenario: settings.scenario)
        model.snapshot = core.dashboard(listening: settings.listen)
        var nextRefresh = Date().addingTimeInterval(settings.refreshSeconds)
        while !Self.stopRequested.load(ordering: .relaxed) {
            terminal.draw(Screen.render(model))
            let wait = Int32(max(10, min(250, nextRefresh.timeIntervalSinceNow * 1000)))
            if let key = terminal.readKey(milliseconds: wait) {
                for command in model.update(key) where !handle(command, &model) { return nil }
            }
            for line in inbox.withLock({ lines in defer { lines = [] }; return lines }) { model.note(line) }
            if Date() >= nextRefresh {
                model.snapshot = core.dashboard(listening: settings.listen)
                nextRefresh = Date().addingTimeInterval(settings.refreshSeconds)
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
            onScenario(name)
            model.note("scenario \(name)")
        case .togglePause:
            onPause(model.paused)
            model.note(model.paused ? "simulator paused" : "simulator resumed")
        }
        return true
    }
}

extension OperatorAction {
    /// A few words for the event strip while the action runs.
    var summary: String {
        switch self {
        case .block(let cidr, _, _): "block \(cidr)"
        case .unblock(let cidr): "unblock \(cidr)"
        case .rerunPipeline(let failAt): "re-run recommendations" + (failAt.map { " failing at \($0)" } ?? "")
        case .redrive(let queue): "redrive \(queue)"
        case .setRule(let name, let action): "set \(name) to \(action.rawValue)"
        }
    }
}
