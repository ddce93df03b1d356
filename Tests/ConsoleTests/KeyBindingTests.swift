import Dashboard
import Testing
@testable import Console

/// Every key binding and command through `update`, on the busy fixture.
@Suite struct KeyBindingTests {
    func type(_ text: String, into model: inout ConsoleModel) -> [ConsoleCommand] {
        text.flatMap { model.update(.character($0)) }
    }

    @Test func focusMovesWithTabShiftTabAndDigits() {
        var model = Fixtures.model()
        _ = model.update(.tab)
        #expect(model.focus == .blocked)
        _ = model.update(.backTab)
        _ = model.update(.backTab)
        #expect(model.focus == .recommendations)
        _ = model.update(.character("3"))
        #expect(model.focus == .queues)
        _ = model.update(.character("9"))
        #expect(model.focus == .queues, "no pane 9")
    }

    @Test func selectionMovesAndStaysInBounds() {
        var model = Fixtures.model()
        _ = model.update(.character("2"))
        _ = model.update(.down)
        _ = model.update(.character("j"))
        _ = model.update(.character("j"))
        #expect(model.selectedRow == 2, "three blocked rows")
        _ = model.update(.character("k"))
        #expect(model.selectedRow == 1)
        _ = model.update(.pageUp)
        #expect(model.selectedRow == 0)
        _ = model.update(.end)
        #expect(model.selectedRow == 2)
        _ = model.update(.home)
        #expect(model.selectedRow == 0)
    }

    @Test func enterOpensTheDetailAndEscapeCloses() {
        var model = Fixtures.model()
        _ = model.update(.character("4"))
        _ = model.update(.enter)
        #expect(model.mode == .detail(model.selectedKey ?? ""))
        #expect(Overlays.detailLines(model).contains("error: InjectedFault: failure injected at step train"))
        _ = model.update(.escape)
        #expect(model.mode == .normal)
        var empty = Fixtures.model(Fixtures.empty)
        _ = empty.update(.character("2"))
        _ = empty.update(.enter)
        #expect(empty.mode == .normal && empty.notes.last == "nothing to show in Blocked IPs")
    }

    @Test func theFilterNarrowsTheFocusedPane() {
        var model = Fixtures.model()
        _ = model.update(.character("2"))
        _ = model.update(.character("/"))
        _ = type("manuax", into: &model)
        _ = model.update(.backspace)
        _ = model.update(.character("l"))
        #expect(model.mode == .filter("manual"))
        _ = model.update(.enter)
        #expect(model.filters[.blocked] == "manual")
        #expect(PaneRows.of(.blocked, model.snapshot, filter: "manual").keys == ["203.0.113.0/24"])
        _ = model.update(.character("/"))
        _ = model.update(.escape)
        #expect(model.filters[.blocked] == "manual", "Esc leaves the filter as it was")
    }

    @Test func blockAsksAddressReasonAndTimeToLive() {
        var model = Fixtures.model()
        _ = model.update(.character("b"))
        #expect(model.mode == .blockPrompt(step: 0, cidr: "", reason: "", text: "127.0.3.17"), "from Traffic, the selected client is offered")
        _ = model.update(.enter)
        _ = type("scraping", into: &model)
        _ = model.update(.enter)
        _ = type("soon", into: &model)
        #expect(model.update(.enter).isEmpty)
        #expect(model.notes.last?.hasPrefix("block: \"soon\" is not a time to live") == true)
        for _ in 0..<4 { _ = model.update(.backspace) }
        _ = type("10m", into: &model)
        #expect(model.update(.enter) == [.perform(.block(cidr: "127.0.3.17", reason: "scraping", ttlSeconds: 600))])
        #expect(model.mode == .normal)
    }

    @Test func unblockAndRedriveAskFirst() {
        var model = Fixtures.model()
        #expect(model.update(.character("u")).isEmpty)
        #expect(model.notes.last == "select an address in Blocked IPs (2) to unblock it")
        _ = model.update(.character("2"))
        _ = model.update(.down)
        _ = model.update(.character("u"))
        #expect(model.mode == .confirm(.unblock(cidr: "127.0.9.2/32"), "unblock 127.0.9.2/32? (y/n)"))
        #expect(model.update(.character("n")).isEmpty && model.notes.last == "cancelled")
        _ = model.update(.character("u"))
        #expect(model.update(.character("y")) == [.perform(.unblock(cidr: "127.0.9.2/32"))])
        _ = model.update(.character("3"))
        _ = model.update(.down)
        _ = model.update(.character("R"))
        #expect(model.update(.character("y")) == [.perform(.redrive(queue: "checkout"))])
    }

    /// `R` on a failed pipeline run redrives it from its failed step, `X` abandons it — each after a question; on
    /// a run that is not failed they only say why not. The run's detail gives each step's attempts, time and error.
    @Test func aFailedRunIsRedrivenOrAbandonedFromSagas() {
        var snapshot = Fixtures.full
        var held = snapshot.runs[0]
        held.runID = "held-run-1"
        held.state = .failed
        held.steps = ["export", "catalog", "query", "train", "evaluate", "publish"].enumerated().map { index, name in
            .init(name: name, state: index < 3 ? .succeeded : index == 3 ? .failed : .pending, attempts: index <= 3 ? 1 : nil,
                  seconds: index <= 3 ? 0.25 * Double(index + 1) : nil, error: index == 3 ? "InjectedFault: failure injected at step train" : nil)
        }
        snapshot.runs.insert(held, at: 0)
        var model = Fixtures.model(snapshot)
        _ = model.update(.character("4"))
        _ = model.update(.character("R"))
        #expect(model.mode == .confirm(.redriveRun(runID: "held-run-1"), "redrive recommendations run held-run from train? (y/n)"))
        #expect(model.update(.character("y")) == [.perform(.redriveRun(runID: "held-run-1"))])
        _ = model.update(.character("X"))
        #expect(model.update(.character("y")) == [.perform(.abandonRun(runID: "held-run-1"))])
        _ = model.update(.enter)
        let detail = Overlays.detailLines(model)
        #expect(detail.contains("  failed       train     1 attempt   1.00s"), "\(detail)")
        #expect(detail.contains("      InjectedFault: failure injected at step train"))
        #expect(detail.last?.hasPrefix("held for a decision: R redrives it") == true)
        _ = model.update(.escape)
        _ = model.update(.down)
        #expect(model.update(.character("R")) == [] && model.mode == .normal, "a compensated run has nothing to redrive")
        #expect(model.update(.character("X")) == [] && model.mode == .normal)
    }

    @Test func rerunFailPauseScenarioHelpAndQuit() {
        var model = Fixtures.model()
        #expect(model.update(.character("r")) == [.perform(.rerunPipeline(failAt: nil))])
        _ = model.update(.character("f"))
        _ = type("tr", into: &model)
        _ = model.update(.tab)
        #expect(model.mode == .failPrompt("train"))
        #expect(model.update(.enter) == [.perform(.rerunPipeline(failAt: "train"))])
        _ = model.update(.character("f"))
        _ = type("nope", into: &model)
        #expect(model.update(.enter).isEmpty && model.notes.last?.hasPrefix("no step \"nope\"") == true)
        #expect(model.update(.character("p")) == [.togglePause] && model.paused)
        #expect(model.update(.character("s")) == [.setScenario("normal")], "mixed is last: the next is the first")
        _ = model.update(.character("?"))
        #expect(model.mode == .help)
        #expect(model.update(.character("q")).isEmpty && model.mode == .normal, "q closes the help, not the console")
        #expect(model.update(.character("q")) == [.quit])
        _ = model.update(.resize(width: 120, height: 40))
        #expect(model.width == 120 && model.height == 40)
    }

    @Test func plusAndMinusAndTheRateCommandPaceTheSimulator() {
        var model = Fixtures.model()
        #expect(model.update(.character("+")) == [.setRate(60)] && model.rate == 60)
        #expect(model.update(.character("-")) == [.setRate(40)] && model.rate == 40)
        _ = model.update(.character(":"))
        _ = type("rate 250", into: &model)
        #expect(model.update(.enter) == [.setRate(250)] && model.rate == 250)
        for bad in ["rate", "rate fast", "rate 0", "rate 5000"] {
            _ = model.update(.character(":"))
            _ = type(bad, into: &model)
            #expect(model.update(.enter).isEmpty && model.rate == 250, "\(bad)")
            #expect(model.notes.last?.hasPrefix("usage: rate N") == true)
        }
        model.rate = 2000
        #expect(model.update(.character("+")) == [.setRate(2000)], "held at the simulator's ceiling")

        // shopdeck run has no simulator: the keys say so rather than pretend.
        var run = ConsoleModel(width: 80, height: 24)
        run.snapshot = Fixtures.full
        for key in ["+", "-", "s", "p"] {
            #expect(run.update(.character(Character(key))).isEmpty, "\(key)")
            #expect(run.notes.last == "no simulator runs in this console (shopdeck demo has one)")
        }
        _ = run.update(.character(":"))
        _ = type("rate 10", into: &run)
        #expect(run.update(.enter).isEmpty && run.rate == nil)
    }

    @Test func theCommandLineRunsCompletesAndExplains() {
        var model = Fixtures.model()
        func run(_ text: String) -> [ConsoleCommand] {
            _ = model.update(.character(":"))
            _ = type(text, into: &model)
            return model.update(.enter)
        }
        #expect(run("block 10.0.0.0/8 1h noisy neighbours") == [.perform(.block(cidr: "10.0.0.0/8", reason: "noisy neighbours", ttlSeconds: 3600))])
        #expect(run("block 10.0.0.1") == [.perform(.block(cidr: "10.0.0.1", reason: "blocked from the console", ttlSeconds: nil))])
        #expect(run("unblock 10.0.0.0/8") == [.perform(.unblock(cidr: "10.0.0.0/8"))])
        #expect(run("rerun recommendations failAt=evaluate") == [.perform(.rerunPipeline(failAt: "evaluate"))])
        #expect(run("redrive checkout") == [.perform(.redrive(queue: "checkout"))])
        #expect(run("scenario attack") == [.setScenario("attack")] && model.scenario == "attack")
        #expect(run("quit") == [.quit])
        for (bad, message) in [("frobnicate", "unknown command \"frobnicate\""), ("rerun recommendations failAt=nowhere", "failAt must be one of"),
                               ("scenario chaos", "usage: scenario"), ("unblock", "usage: unblock CIDR"), ("", "type a command")] {
            #expect(run(bad).isEmpty, "\(bad)")
            #expect(model.notes.last?.hasPrefix(message) == true, "\(bad): \(model.notes.last ?? "")")
        }
        _ = model.update(.character(":"))
        _ = type("red", into: &model)
        _ = model.update(.tab)
        #expect(model.mode == .command("redrive "))
        _ = type("ch", into: &model)
        _ = model.update(.tab)
        #expect(model.mode == .command("redrive checkout "))
        _ = model.update(.escape)
        _ = model.update(.character(":"))
        _ = type("rerun recommendations failAt=tr", into: &model)
        _ = model.update(.tab)
        #expect(model.mode == .command("rerun recommendations failAt=train "))
    }

    @Test func timesToLiveParse() {
        #expect(CommandLineParser.seconds("600") == 600 && CommandLineParser.seconds("10m") == 600 && CommandLineParser.seconds("2h") == 7200)
        #expect(CommandLineParser.seconds("1d") == 86_400 && CommandLineParser.seconds("45s") == 45)
        #expect(CommandLineParser.seconds("0") == nil && CommandLineParser.seconds("-5") == nil && CommandLineParser.seconds("2y") == nil)
        #expect(CommandLineParser.seconds("400d") == nil, "at most a year")
    }
}

/// Issue 17: keys are defined once; help and hint bar come from that table, and a read-only console (viewer
/// token, `--read-only`) hides the keys that change the shop and answers them with why.
@Suite struct KeyTableTests {
    @Test func aReadOnlyConsoleHidesChangingKeysAndSaysWhyWhenOneIsPressed() {
        var model = Fixtures.model()
        model.readOnly = true
        for hidden in ["b block", "u unblock", "r re-run", "f fail", "R redrive"] { #expect(!model.hintBar.contains(hidden), "\(hidden)") }
        #expect(model.hintBar.contains("/ filter") && model.hintBar.hasSuffix("read-only"))
        #expect(!model.helpLines.contains { $0.hasPrefix("b ") || $0.hasPrefix("u ") || $0.hasPrefix("R ") })
        #expect(model.helpLines.last == "read-only: this console shows the shop and changes nothing")
        for key in ["b", "u", "r", "f", "R"] {
            #expect(model.update(.character(Character(key))) == [], "\(key)")
            #expect(model.notes.last?.hasPrefix("read-only:") == true, "\(key)")
            #expect(model.mode == .normal)
        }
        // Looking still works.
        _ = model.update(.character("3"))
        #expect(model.focus == .queues)
    }

    @Test func withoutASimulatorItsKeysAreHidden() {
        var model = Fixtures.model()
        model.scenario = nil
        #expect(!model.hintBar.contains("p pause") && !model.hintBar.contains("s scenario"))
        #expect(!model.helpLines.contains { $0.hasPrefix("p ") || $0.hasPrefix("s ") })
        #expect(model.update(.character("p")) == [])
        #expect(model.notes.last?.contains("no simulator") == true)
    }

    @Test func everyBindingIsReachableByItsKeys() {
        let keys = ConsoleModel.bindings.flatMap(\.keys)
        #expect(keys.count == Set(keys.map { "\($0)" }).count, "no key is bound twice")
        for binding in ConsoleModel.bindings where !binding.help.isEmpty { #expect(!binding.keys.isEmpty, "\(binding.label)") }
    }
}
