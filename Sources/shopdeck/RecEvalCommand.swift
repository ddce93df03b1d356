import Foundation
import Recommender
import Shop

/// `shopdeck rec-eval FILE.csv [--split leave-last-out|temporal] [--model LIST] [--decay DAYS|none] [--binary]
/// [--neighbours K] [--shrinkage S] [--lambda L] [--max-items N] [--next-weight W] [--next-window N] [--next-step-decay D]
/// [--next-normalisation A] [--next-recent N] [--next-recent-decay D] [--textbook] [--tune] [--json]`: trains on a split of an
/// interaction file and ranks the whole catalogue for every held-out user, printing the popularity baseline
/// and each model on the same split. Every departure of the shop's models from the textbook ones (recency
/// decay, summed weights, shrinkage, λ, the catalogue cap, bought-next blended in) is an option, so its effect can be measured —
/// against `assets/bench/rec_reference.py`, the NumPy reference, on the same split. `FILE.csv` may be `demo`:
/// the generated history over the shop's catalog.
struct RecEvalCommand {
    let arguments: ParsedArguments
    let output: any CommandOutput

    func run() throws -> Int32 {
        guard let path = arguments.positionals.first else { throw UsageError(message: "rec-eval needs a FILE.csv", command: "rec-eval") }
        let splitName = arguments.value("--split") ?? "leave-last-out"
        guard ["leave-last-out", "temporal"].contains(splitName) else {
            throw UsageError(message: "invalid value \"\(splitName)\" for --split: expected leave-last-out or temporal", command: "rec-eval")
        }
        let started = Date()
        let interactions = try load(path)
        let (algorithms, options) = try settings()
        let split = splitName == "temporal" ? EvaluationSplit.temporal(interactions) : EvaluationSplit.leaveLastOut(interactions)
        var results: [Result] = []
        var users = 0
        for algorithm in algorithms {
            var chosen = options, trials: Int?
            if arguments.flag("--tune"), algorithm != .popularity {
                // Chosen on the validation part carved from the training data: the test items are never seen.
                let tuned = Tuning.tune(algorithm, on: split, start: options, blended: true)
                chosen = tuned.options
                trials = tuned.trials.count
            }
            let evaluation = Evaluation.run(split, algorithms: [algorithm], options: chosen)
            users = evaluation.users
            results += evaluation.rows.map { Result(row: $0, settings: describe(chosen), trials: trials) }
        }
        let seconds = Date().timeIntervalSince(started)
        output.out(arguments.flag("--json") ? json(results, split: split.name, users: users)
                                            : table(results, split: split.name, users: users, path: path, interactions: interactions.count, seconds: seconds))
        return ExitCode.success
    }

    /// One model's figures and the settings it was trained with (tuned, with how many trials, or as given).
    private struct Result {
        var row: EvaluationRow
        var settings: String
        var trials: Int?
    }

    /// The models asked for and how to train them: the shop's settings, changed by the options.
    private func settings() throws -> ([Algorithm], TrainingOptions) {
        var algorithms = Algorithm.allCases
        if let list = arguments.value("--model") {
            algorithms = try list.split(separator: ",").map { name in
                guard let algorithm = Algorithm(rawValue: String(name)) else {
                    throw UsageError(message: "invalid value \"\(name)\" for --model: expected \(Algorithm.allCases.map(\.rawValue).joined(separator: ", "))",
                                     command: "rec-eval")
                }
                return algorithm
            }
        }
        var options = TrainingOptions()
        let textbook = arguments.flag("--textbook")
        if let text = arguments.value("--decay") ?? (textbook ? "none" : nil) {
            guard text == "none" || Double(text).map({ $0 > 0 && $0.isFinite }) == true else {
                throw UsageError(message: "invalid value \"\(text)\" for --decay: expected a half-life in days, or none", command: "rec-eval")
            }
            options.decay = text == "none" ? .none : RecencyDecay(halfLifeDays: Double(text)!)
        }
        options.binary = textbook || arguments.flag("--binary")
        options.similarity.neighbourCount = try arguments.integer("--neighbours", in: 1...10_000) ?? options.similarity.neighbourCount
        options.similarity.shrinkage = Float(try arguments.double("--shrinkage", in: 0...1_000_000, default: textbook ? 0 : Double(options.similarity.shrinkage)))
        options.ease.lambda = try arguments.double("--lambda", in: 0.000_001...1e9, default: options.ease.lambda)
        options.ease.maximumItems = try arguments.integer("--max-items", in: 1...20_000) ?? options.ease.maximumItems
        var next = options.boughtNext
        next.weight = Float(try arguments.double("--next-weight", in: 0...1, default: textbook ? 0 : Double(next.weight)))
        next.window = try arguments.integer("--next-window", in: 1...BoughtNext.maximumWindow) ?? next.window
        next.stepDecay = Float(try arguments.double("--next-step-decay", in: 0...1, default: Double(next.stepDecay)))
        next.normalisation = Float(try arguments.double("--next-normalisation", in: 0...1, default: Double(next.normalisation)))
        next.recentCount = try arguments.integer("--next-recent", in: 1...BoughtNext.maximumWindow) ?? next.recentCount
        next.recentDecay = Float(try arguments.double("--next-recent-decay", in: 0...1, default: Double(next.recentDecay)))
        // Bought-next alone is evaluated at full weight when it was asked for by name.
        if algorithms.contains(.boughtNext), next.weight == 0, arguments.value("--model") != nil { next.weight = 1 }
        options.boughtNext = next
        return (algorithms, options)
    }

    /// The settings in one line, as `rec_reference.py` takes them.
    private func describe(_ options: TrainingOptions) -> String {
        let decay = options.decay.halfLifeSeconds.isFinite ? String(format: "%g", options.decay.halfLifeSeconds / 86_400) : "none"
        let next = options.boughtNext
        let blend = next.weight == 0 ? "no bought-next"
            : String(format: "bought-next weight %g (window %d, step decay %g, normalisation %g, recent %d, recent decay %g)", next.weight,
                     next.window, next.stepDecay, next.normalisation, next.recentCount, next.recentDecay)
        return "decay \(decay), \(options.binary ? "binary" : "summed weights"), neighbours \(options.similarity.neighbourCount), "
            + String(format: "shrinkage %g, lambda %g, max items %d, ", options.similarity.shrinkage, options.ease.lambda, options.ease.maximumItems) + blend
    }

    private func load(_ path: String) throws -> [Interaction] {
        if path == "demo" {
            return DemoHistory().interactions(catalogue: CatalogGenerator.products().map { ($0.id, $0.category) })
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw RuntimeFailure(description: "cannot read \(path)") }
        do {
            return try InteractionCSV.parse(Array(data))
        } catch {
            throw RuntimeFailure(description: "\(path): \(error)")
        }
    }

    private func table(_ results: [Result], split: String, users: Int, path: String, interactions: Int, seconds: Double) -> String {
        var lines = ["recommender evaluation of \(path): \(interactions) interactions, split \(split), \(users) test users, full catalogue ranked", ""]
        for result in results where result.row.model != "popularity" {
            let how = result.trials.map { "tuned on the validation split (\($0) trials)" } ?? "as given"
            lines.append("\(result.row.model) settings, \(how): \(result.settings)")
        }
        lines += ["", "model           HR@10  NDCG@10  Recall@20  coverage@10"]
        for row in results.map(\.row) {
            lines.append(row.model.padding(toLength: 14, withPad: " ", startingAt: 0)
                         + String(format: "%7.4f%9.4f%11.4f%13.4f", row.hitRate10, row.ndcg10, row.recall20, row.coverage10))
        }
        if let baseline = results.first(where: { $0.row.model == "popularity" })?.row, baseline.ndcg10 > 0 {
            lines.append("")
            for row in results.map(\.row) where row.model != "popularity" {
                lines.append(String(format: "%@: NDCG@10 %+.0f%% relative to popularity", row.model, (row.ndcg10 / baseline.ndcg10 - 1) * 100))
            }
        }
        lines.append(String(format: "(%.1f s including reading and training)", seconds))
        return lines.joined(separator: "\n")
    }

    private func json(_ results: [Result], split: String, users: Int) -> String {
        let rows: [[String: Any]] = results.map { result in
            let row = result.row
            var fields: [String: Any] = ["model": row.model, "HR@10": row.hitRate10, "NDCG@10": row.ndcg10, "Recall@20": row.recall20,
                                         "coverage@10": row.coverage10, "settings": result.settings]
            if let trials = result.trials { fields["tunedTrials"] = trials }
            return fields
        }
        let document: [String: Any] = ["split": split, "users": users, "rows": rows]
        let data = (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
