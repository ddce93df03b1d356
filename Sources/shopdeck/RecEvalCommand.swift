import Foundation
import Recommender
import Shop

/// `shopdeck rec-eval FILE.csv [--split leave-last-out|temporal] [--json]`: trains on a split of an
/// interaction file and ranks the whole catalogue for every held-out user, printing the popularity baseline
/// and each model on the same split. `FILE.csv` may be `demo`: the generated history over the shop's catalog.
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
        let split = splitName == "temporal" ? EvaluationSplit.temporal(interactions) : EvaluationSplit.leaveLastOut(interactions)
        let evaluation = Evaluation.run(split)
        let seconds = Date().timeIntervalSince(started)
        output.out(arguments.flag("--json") ? json(evaluation) : table(evaluation, path: path, interactions: interactions.count, seconds: seconds))
        return ExitCode.success
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

    private func table(_ evaluation: Evaluation, path: String, interactions: Int, seconds: Double) -> String {
        var lines = ["recommender evaluation of \(path): \(interactions) interactions, split \(evaluation.split), \(evaluation.users) test users, "
                     + "full catalogue ranked", "",
                     "model        HR@10  NDCG@10  Recall@20  coverage@10"]
        for row in evaluation.rows {
            lines.append(row.model.padding(toLength: 11, withPad: " ", startingAt: 0)
                         + String(format: "%7.4f%9.4f%11.4f%13.4f", row.hitRate10, row.ndcg10, row.recall20, row.coverage10))
        }
        if let baseline = evaluation.rows.first(where: { $0.model == "popularity" }), baseline.ndcg10 > 0 {
            lines.append("")
            for row in evaluation.rows where row.model != "popularity" {
                lines.append(String(format: "%@: NDCG@10 %+.0f%% relative to popularity", row.model, (row.ndcg10 / baseline.ndcg10 - 1) * 100))
            }
        }
        lines.append(String(format: "(%.1f s including reading and training)", seconds))
        return lines.joined(separator: "\n")
    }

    private func json(_ evaluation: Evaluation) -> String {
        let rows: [[String: Any]] = evaluation.rows.map {
            ["model": $0.model, "HR@10": $0.hitRate10, "NDCG@10": $0.ndcg10, "Recall@20": $0.recall20, "coverage@10": $0.coverage10]
        }
        let document: [String: Any] = ["split": evaluation.split, "users": evaluation.users, "rows": rows]
        let data = (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
