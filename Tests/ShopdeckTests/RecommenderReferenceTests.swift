import CrashHarness
import Foundation
import Recommender
import Testing

/// Issue 22: our item-kNN and EASE against a NumPy reference (`assets/bench/rec_reference.py`) on the same
/// file, the same split and the same metrics, configured alike — `rec-eval --textbook` (no decay, a binary
/// matrix, plain cosine) and the same λ and neighbours. Each must be within 1 % of the reference's NDCG@10.
/// Runs where NumPy is installed (`.ci/run` puts it in its virtual environment and names that Python in
/// `SHOPDECK_PYTHON`); skipped, and says so, elsewhere.
@Suite struct RecommenderReferenceTests {
    static var python: String { ProcessInfo.processInfo.environment["SHOPDECK_PYTHON"] ?? "python3" }

    static var numpyAvailable: Bool {
        guard let child = try? SpawnedChild("/usr/bin/env", [python, "-c", "import numpy"]) else { return false }
        return child.wait() == 0
    }

    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("assets/bench/rec_reference.py").path
    }

    /// Shoppers with a taste (one of `clusters` groups of items) buying mostly within it, some noise, repeat
    /// purchases and ties in time: enough structure that the models differ from popularity and from each other.
    /// With `sequential`, half the purchases after the first follow on from the one before (the next item of
    /// the cluster), the order bought-next looks for.
    static func interactions(seed: UInt64, users: Int = 2_500, items: Int = 300, clusters: Int = 10, sequential: Bool = false) -> String {
        var random = SplitMix64(seed: seed)
        var lines = ["user,item,timestamp"]
        for user in 0..<users {
            let taste = Int.random(in: 0..<clusters, using: &random)
            var time = 1_700_000_000 + Int.random(in: 0..<86_400 * 30, using: &random)
            var previous: Int?
            for _ in 0..<Int.random(in: 2...14, using: &random) {
                let inTaste = Double.random(in: 0..<1, using: &random) < 0.75
                // Within a cluster, lower items are more popular (a skewed pick).
                let rank = Int(Double(items / clusters) * pow(Double.random(in: 0..<1, using: &random), 2))
                var item = inTaste ? taste * (items / clusters) + rank : Int.random(in: 0..<items, using: &random)
                if sequential, let previous, Double.random(in: 0..<1, using: &random) < 0.5 { item = (previous + 1) % items }
                previous = item
                lines.append("u\(user),i\(item),\(time)")
                // Same-second purchases now and then: the split's tie rule decides.
                if Double.random(in: 0..<1, using: &random) < 0.8 { time += Int.random(in: 1...86_400, using: &random) }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func ndcg(_ json: String) throws -> [String: Double] {
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        let rows = object?["rows"] as? [[String: Any]] ?? []
        return Dictionary(uniqueKeysWithValues: rows.compactMap { row in
            (row["model"] as? String).flatMap { model in (row["NDCG@10"] as? Double).map { (model, $0) } }
        })
    }

    /// `rec-eval` with `options` and the reference with `referenceOptions` on one seeded file: each one's
    /// NDCG@10 by model.
    func bothSides(sequential: Bool, options: [String], referenceOptions: [String]) async throws -> (seed: UInt64, ours: [String: Double], reference: [String: Double]) {
        let seed = UInt64.random(in: 1...UInt64.max)
        print("recommender reference: seed \(seed)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rec-reference-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/interactions.csv"
        try Self.interactions(seed: seed, sequential: sequential).write(toFile: file, atomically: true, encoding: .utf8)

        // Both evaluations take tens of seconds: their waits go on threads of their own, not the cooperative pool.
        let ours = try await onThread { try SpawnedChild.run(ExecutableTests.executable, ["rec-eval", file, "--json"] + options) }
        #expect(ours.status == 0, "\(ours.stderr)")
        let reference = try await onThread { try SpawnedChild.run("/usr/bin/env", [Self.python, Self.script, file] + referenceOptions) }
        #expect(reference.status == 0, "\(reference.stderr)")
        let mine = try ndcg(ours.stdout), theirs = try ndcg(reference.stdout)
        print("recommender reference: shopdeck \(mine), NumPy \(theirs)")
        return (seed, mine, theirs)
    }

    @Test(.enabled(if: numpyAvailable, "NumPy is not installed for \(python) (.ci/run installs it)"))
    func itemKNNAndEASEMatchTheNumPyReferenceConfiguredAlike() async throws {
        let (seed, mine, theirs) = try await bothSides(sequential: false, options: ["--textbook", "--lambda", "200", "--neighbours", "100"],
                                                 referenceOptions: ["--binary", "--decay", "none", "--shrinkage", "0", "--lambda", "200", "--neighbours", "100"])
        #expect(abs((mine["popularity"] ?? 0) - (theirs["popularity"] ?? -1)) < 1e-9, "the same split and the same ranking of ties")
        for model in ["item-knn", "ease"] {
            let (a, b) = (mine[model] ?? 0, theirs[model] ?? 0)
            #expect(b > 0 && abs(a - b) / b < 0.01, "\(model): shopdeck \(a) against the reference's \(b) (seed \(seed))")
        }
        #expect((mine["ease"] ?? 0) > (mine["popularity"] ?? 1) * 1.5, "the data has structure the models find")
    }

    /// Bought-next alone and blended into each model, on data where purchases follow on from each other.
    @Test(.enabled(if: numpyAvailable, "NumPy is not installed for \(python) (.ci/run installs it)"))
    func boughtNextAndItsBlendsMatchTheNumPyReference() async throws {
        let next = ["--next-weight", "0.4", "--next-window", "3", "--next-step-decay", "0.6", "--next-normalisation", "0.5", "--next-recent", "4",
                    "--next-recent-decay", "0.8"]
        let (seed, mine, theirs) = try await bothSides(sequential: true, options: ["--textbook", "--lambda", "200"] + next,
                                                 referenceOptions: ["--binary", "--decay", "none", "--shrinkage", "0", "--lambda", "200",
                                                                    "--model", "ease,bought-next,item-knn+next,ease+next"] + next)
        for model in ["bought-next", "item-knn+next", "ease+next"] {
            let (a, b) = (mine[model] ?? 0, theirs[model] ?? 0)
            #expect(b > 0 && abs(a - b) / b < 0.01, "\(model): shopdeck \(a) against the reference's \(b) (seed \(seed))")
        }
        #expect((theirs["ease+next"] ?? 0) > (theirs["ease"] ?? 1) * 1.1, "on sequential data the order helps (seed \(seed))")
    }
}
