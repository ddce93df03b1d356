import Dashboard

extension ConsoleModel {
    /// Applies one key; returns what the loop must do about it. Pure: the same model and key always give the
    /// same result.
    public mutating func update(_ key: Key) -> [ConsoleCommand] {
        if case .resize(let width, let height) = key {
            self.width = width
            self.height = height
            return []
        }
        switch mode {
        case .normal: return normalKey(key)
        case .help, .findings, .drops, .detail:
            return scrollOverlay(key)
        case .filter(let text):
            return edit(text, key, apply: { model, text in
                model.filters[model.focus] = text.isEmpty ? nil : text
                model.select(row: 0, in: model.rows(model.focus))
                return []
            }, rebuild: { .filter($0) })
        case .command(let text):
            if key == .tab {
                mode = .command(CommandLineParser.complete(text, snapshot: snapshot))
                return []
            }
            return edit(text, key, apply: { model, text in model.runCommand(text) }, rebuild: { .command($0) })
        case .blockPrompt(let step, let cidr, let reason, let text):
            return edit(text, key, apply: { model, text in model.advanceBlockPrompt(step: step, cidr: cidr, reason: reason, text: text) },
                        rebuild: { .blockPrompt(step: step, cidr: cidr, reason: reason, text: $0) })
        case .failPrompt(let text):
            if key == .tab {
                mode = .failPrompt(CommandLineParser.completeWord(text, from: Self.pipelineSteps))
                return []
            }
            return edit(text, key, apply: { model, text in
                guard Self.pipelineSteps.contains(text) else {
                    model.note("no step \"\(text)\": choose one of \(Self.pipelineSteps.joined(separator: ", "))")
                    return []
                }
                return [.perform(.rerunPipeline(failAt: text))]
            }, rebuild: { .failPrompt($0) })
        case .rules:
            return rulesKey(key)
        case .verdicts:
            return verdictsKey(key)
        case .inspect(let id):
            return inspectKey(key, id: id)
        case .log where key == .character("/"):
            mode = .logSearch(logSearch)
            return []
        case .log where key == .character("l"):
            mode = .normal
            return []
        case .log:
            return scrollOverlay(key)
        case .logSearch(let text):
            if key == .escape {
                mode = .log
                return []
            }
            return edit(text, key, apply: { model, text in
                model.logSearch = text
                model.mode = .log
                return []
            }, rebuild: { .logSearch($0) })
        case .confirm(let action, _):
            mode = afterConfirm
            afterConfirm = .normal
            guard key == .character("y") || key == .character("Y") else {
                note("cancelled")
                return []
            }
            return [.perform(action)]
        }
    }

    /// Line editing shared by every prompt: characters append, Backspace deletes, Enter applies, Esc cancels.
    private mutating func edit(_ text: String, _ key: Key, apply: (inout ConsoleModel, String) -> [ConsoleCommand],
                               rebuild: (String) -> Mode) -> [ConsoleCommand] {
        switch key {
        case .escape:
            mode = .normal
            return []
        case .enter:
            mode = .normal
            return apply(&self, text.trimmingCharacters(in: .whitespaces))
        case .backspace:
            mode = rebuild(String(text.dropLast()))
            return []
        case .character(let character) where !character.isNewline && text.count < 200:
            mode = rebuild(text + String(character))
            return []
        default:
            return []
        }
    }

    private mutating func normalKey(_ key: Key) -> [ConsoleCommand] {
        guard let binding = Self.bindings.first(where: { $0.keys.contains(key) }) else { return [] }
        switch binding.reach {
        case .changesShop where readOnly:
            note("read-only: this console changes nothing (a viewer token or --read-only)")
            return []
        case .simulator where !hasSimulator:
            return noSimulator()
        default:
            return binding.run(&self, key, rows(focus))
        }
    }

    /// Keys in a scrolling view (help, findings, flash sales, a detail, the log): scroll, or close it. In a
    /// client's detail, `i` inspects the latest request the WAF judged from it.
    private mutating func scrollOverlay(_ key: Key) -> [ConsoleCommand] {
        switch key {
        case .character("i"):
            if let id = latestClientVerdict { mode = .inspect(id) }
        case .escape, .character("q"), .character("?"), .enter: mode = .normal
        default: scroll(key)
        }
        return []
    }

    /// Scrolls the open overlay by a line, a page, or to either end (clamped to its lines).
    private mutating func scroll(_ key: Key) {
        switch key {
        case .down, .character("j"): overlayScroll += 1
        case .up, .character("k"): overlayScroll -= 1
        case .pageDown: overlayScroll += 10
        case .pageUp: overlayScroll -= 10
        case .home: overlayScroll = 0
        case .end: overlayScroll = .max
        default: return
        }
        overlayScroll = overlayScroll.clamped(to: 0...Overlays.maximumScroll(self))
    }

    /// The verdicts view's keys: move, inspect the selected verdict, go back.
    private mutating func verdictsKey(_ key: Key) -> [ConsoleCommand] {
        let count = VerdictsView.verdicts(self).count
        switch key {
        case .escape, .character("q"), .character("v"): mode = .normal
        case .down, .character("j"): verdictSelection = min(max(0, count - 1), verdictSelection + 1)
        case .up, .character("k"): verdictSelection = max(0, verdictSelection - 1)
        case .pageDown: verdictSelection = min(max(0, count - 1), verdictSelection + 10)
        case .pageUp: verdictSelection = max(0, verdictSelection - 10)
        case .home: verdictSelection = 0
        case .end: verdictSelection = max(0, count - 1)
        case .enter:
            if let id = VerdictsView.selectedID(self) { mode = .inspect(id) } else { note("no verdict to inspect") }
        default: break
        }
        return []
    }

    /// The inspector's keys: scroll, block or allowlist the client (through the usual prompts), back to the list.
    private mutating func inspectKey(_ key: Key, id: UInt64) -> [ConsoleCommand] {
        switch key {
        case .escape, .character("q"):
            mode = .verdicts
            return []
        case .character("b"), .character("a"):
            guard !readOnly else {
                note("read-only: this console changes nothing (a viewer token or --read-only)")
                return []
            }
            guard let client = VerdictsView.inspectedClient(self, id: id) else {
                note("the request has not come yet")
                return []
            }
            // The block prompt starts at its reason; allowlisting goes through the command line, its reason to type.
            mode = key == .character("b") ? .blockPrompt(step: 1, cidr: client, reason: "", text: "") : .command("allow \(client) ")
            return []
        default:
            scroll(key)
            return []
        }
    }

    /// The rules view's keys: move, switch the selected rule's action (after a y/n), go back.
    private mutating func rulesKey(_ key: Key) -> [ConsoleCommand] {
        let count = snapshot?.rules?.count ?? 0
        switch key {
        case .escape, .character("q"), .character("w"): mode = .normal
        case .down, .character("j"): ruleSelection = min(max(0, count - 1), ruleSelection + 1)
        case .up, .character("k"): ruleSelection = max(0, ruleSelection - 1)
        case .home: ruleSelection = 0
        case .end: ruleSelection = max(0, count - 1)
        case .character("a"), .character("+"), .character("-"):
            guard !readOnly else {
                note("read-only: this console changes nothing (a viewer token or --read-only)")
                return []
            }
            guard let rule = RulesView.selected(self) else { return [] }
            guard key == .character("a") else {
                // A rate rule's limit, a quarter looser or a fifth tighter; the preview says whom it would shut out.
                guard let change = RulesView.limitChange(for: rule, tighter: key == .character("-")) else {
                    note("\(rule.name) has no limit to tune (+ and - change a rate rule's)")
                    return []
                }
                afterConfirm = .rules
                mode = .confirm(.setRule(name: rule.name, action: nil, limit: change.limit), change.question)
                return []
            }
            let next = RulesView.nextAction(for: rule)
            afterConfirm = .rules
            mode = .confirm(.setRule(name: rule.name, action: next.action), next.question)
        default: break
        }
        return []
    }

    /// `s`, `p`, `+`, `-` and their commands steer the simulator, which only `demo` runs.
    private var hasSimulator: Bool { scenario != nil }

    mutating func noSimulator() -> [ConsoleCommand] {
        note("no simulator runs in this console (shopdeck demo has one)")
        return []
    }

    mutating func changeRate(by factor: Double) -> [ConsoleCommand] {
        guard hasSimulator, let current = rate else { return noSimulator() }
        let next = ((current * factor * 10).rounded() / 10).clamped(to: CommandLineParser.rateRange)
        rate = next
        return [.setRate(next)]
    }

    mutating func move(by offset: Int, in rows: PaneRows) {
        guard let current = selectedRow(focus, in: rows) else { return }
        select(row: current + offset, in: rows)
    }

    /// The block prompt asks for the address, then the reason, then how long (blank: until unblocked).
    private mutating func advanceBlockPrompt(step: Int, cidr: String, reason: String, text: String) -> [ConsoleCommand] {
        switch step {
        case 0:
            guard !text.isEmpty else {
                note("block: an address or CIDR is needed")
                return []
            }
            mode = .blockPrompt(step: 1, cidr: text, reason: "", text: "")
        case 1:
            mode = .blockPrompt(step: 2, cidr: cidr, reason: text.isEmpty ? "blocked from the console" : text, text: "")
        default:
            guard text.isEmpty || CommandLineParser.seconds(text) != nil else {
                note("block: \"\(text)\" is not a time to live (600, 10m, 2h, 1d, or blank for none)")
                mode = .blockPrompt(step: 2, cidr: cidr, reason: reason, text: text)
                return []
            }
            return [.perform(.block(cidr: cidr, reason: reason, ttlSeconds: text.isEmpty ? nil : CommandLineParser.seconds(text)))]
        }
        return []
    }

    private mutating func runCommand(_ text: String) -> [ConsoleCommand] {
        switch CommandLineParser.parse(text) {
        case .success(let command):
            switch command {
            case .setScenario, .togglePause, .setRate: if !hasSimulator { return noSimulator() }
            default: break
            }
            switch command {
            case .setScenario(let name): scenario = name
            case .togglePause: paused.toggle()
            case .setRate(let value): rate = value
            default: break
            }
            return [command]
        case .failure(let problem):
            note(problem.message)
            return []
        }
    }
}

extension Comparable {
    func clamped(to range: ClosedRange<Self>) -> Self { min(max(self, range.lowerBound), range.upperBound) }
}
