import Foundation
import Recommender
import Store
import Workflow

/// The recommendation pipeline of the original design (EventBridge → Step Functions), as a saga: export
/// the store, describe the export in a catalog, query it into training data, train, evaluate (a gate:
/// only a model that beats popularity is published) and publish. Every step is idempotent and retried after
/// a crash (`Interrupted`).
///
/// When a step before publishing fails for good, the run is held `failed` with what it made so far, as Step
/// Functions leaves a failed execution: nothing the shop serves has changed, and an operator who fixes the
/// cause redrives it from the failed step instead of exporting again (an export of the whole store is the
/// expensive part), or abandons it. Abandoning, a model that fails the evaluation gate, or a failure while
/// publishing undoes what the completed steps made in reverse order — the export and the catalog removed, an
/// unpublished model deleted, the previous model put back if publishing had begun — so the shop is as it
/// was before the run.
public struct RecommendationPipeline: Sendable {
    public static let name = "recommendations"
    public static let schedule = "recommendations-nightly"
    public static let nightly = "cron(0 3 * * ? *)"
    /// The error a model that does not beat popularity fails the evaluation with.
    static let gateFailed = "ModelGateFailed"
    /// Model files and exports of successful runs kept besides the one in service.
    static let keptRuns = 3

    let dataDirectory: String
    let store: any DocumentStore
    let recommendations: Recommendations
    /// The generated history joins the export, for a shop without real traffic yet.
    let demoHistory: DemoHistory?
    /// The evaluation must hold items out for at least this many shoppers before a model can be published.
    let minimumEvaluatedShoppers: Int
    /// A run's state, so pruning never touches a run that is still going or waiting for a redrive.
    let runState: @Sendable (String) -> RunState?
    let stepHook: (@Sendable (String) async throws -> Void)?
    /// On a shared backend: where a published model goes so that every instance serves it.
    let sharedModels: SharedModels?

    var definition: SagaDefinition {
        let resume = [RetryPolicy(errorEquals: [SagaEngine.interruptedError], intervalSeconds: 0.5, backoffRate: 2, maxAttempts: 5)]
        let hook = stepHook
        // Held for a redrive, except a failed gate (the model is not good enough: nothing to redrive) and
        // publishing (the previous model must be back in service at once); those compensate.
        let hold = [CatchRule(errorEquals: [Self.gateFailed], action: .compensate), CatchRule(errorEquals: ["*"], action: .fail)]
        func step(_ name: String, _ action: @escaping @Sendable (StepContext) async throws -> Void,
                  undo: (@Sendable (StepContext) async throws -> Void)? = nil) -> SagaStep {
            SagaStep(name, retry: resume, catchRules: name == "publish" ? [] : hold, action: { context in
                try await hook?(name)
                try await action(context)
            }, compensation: undo)
        }
        return SagaDefinition(name: Self.name, steps: [
            step("export", { try await export($0) }, undo: { try remove(exportDirectory($0.runID)) }),
            step("catalog", { try await writeCatalog($0) }, undo: { try remove(catalogPath($0.runID)) }),
            step("query", { try await query($0) }, undo: { try remove(trainingPath($0.runID)) }),
            step("train", { try await train($0) }, undo: { try await discardModel($0) }),
            step("evaluate", { try await evaluate($0) }),
            step("publish", { try await publish($0) }),
        ])
    }

    func exportDirectory(_ runID: String) -> String { dataDirectory + "/exports/" + runID }
    func catalogPath(_ runID: String) -> String { dataDirectory + "/catalog/" + runID + ".json" }
    func trainingPath(_ runID: String) -> String { exportDirectory(runID) + "/training.tsv" }
    func demoPath(_ runID: String) -> String { exportDirectory(runID) + "/demo-history.tsv" }

    private func remove(_ path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { return }
        try FileManager.default.removeItem(atPath: path)
    }

    // MARK: Steps

    /// Consistent snapshots of `orders` and `interactions` (each skipped if a previous attempt finished it),
    /// and the generated history when the shop runs with one.
    private func export(_ context: StepContext) async throws {
        let directory = exportDirectory(context.runID)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for table in [Orders.table, InteractionLog.table] where !FileManager.default.fileExists(atPath: directory + "/\(table)/manifest.json") {
            try await store.exportTable(table, to: directory + "/" + table)
        }
        if var generator = demoHistory, !FileManager.default.fileExists(atPath: demoPath(context.runID)) {
            generator.end = try asOf(context.runID)
            let catalogue = recommendations.catalogue, path = demoPath(context.runID), generator = generator
            try await offload {
                let rows = generator.interactions(catalogue: catalogue)
                    .map { "\($0.user)\t\($0.item)\t\($0.timestamp)\t\($0.isPurchase ? "purchase" : $0.weight == InteractionKind.cart.weight ? "cart" : "view")" }
                try DurableFile.write(Array((rows.joined(separator: "\n") + "\n").utf8), to: path)
            }
        }
    }

    /// The moment the run's data stands for: when its `orders` export was taken.
    private func asOf(_ runID: String) throws -> Double {
        let path = exportDirectory(runID) + "/\(Orders.table)/manifest.json"
        guard let data = FileManager.default.contents(atPath: path) else { throw PipelineFailure("the export's manifest \(path) is missing") }
        return Double(try JSONDecoder().decode(ExportManifest.self, from: data).exportedAtMillis) / 1000
    }

    /// `catalog/<runId>.json`: what the export holds — each partition's schema, file, row count and checksum.
    private func writeCatalog(_ context: StepContext) async throws {
        let directory = exportDirectory(context.runID)
        var partitions: [[String: Any]] = []
        for (table, columns) in [(Orders.table, ["userId", "orderId", "status", "items[].productId", "items[].quantity", "createdAt"]),
                                 (InteractionLog.table, ["userId", "id", "productId", "kind", "at"])] {
            let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/\(table)/manifest.json"))
            let manifest = try JSONDecoder().decode(ExportManifest.self, from: data)
            partitions.append(["name": table, "format": "dynamodb-json-lines", "path": "exports/\(context.runID)/\(table)/\(manifest.dataFile)",
                               "rows": manifest.itemCount, "sha256": manifest.dataSHA256, "columns": columns])
        }
        if demoHistory != nil {
            let rows = try String(contentsOfFile: demoPath(context.runID), encoding: .utf8).split(separator: "\n").count
            partitions.append(["name": "demo-history", "format": "tsv", "path": "exports/\(context.runID)/demo-history.tsv", "rows": rows,
                               "columns": ["user", "item", "timestamp", "kind"]])
        }
        let document: [String: Any] = ["runId": context.runID, "asOf": try asOf(context.runID), "partitions": partitions]
        try DurableFile.write(Array(try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys])), to: catalogPath(context.runID))
    }

    /// The training data: confirmed orders' lines as purchases, signed-in shoppers' views and cart adds (and
    /// the generated history), within a year before the export, products still in the catalog, no bots,
    /// summed per shopper × product with recent interactions weighing more.
    private func query(_ context: StepContext) async throws {
        guard FileManager.default.fileExists(atPath: catalogPath(context.runID)) else { throw PipelineFailure("the run's catalog is missing") }
        let directory = exportDirectory(context.runID)
        let known = Set(recommendations.catalogue.map(\.id)), asOf = try asOf(context.runID), output = trainingPath(context.runID)
        let demo = demoHistory == nil ? nil : demoPath(context.runID)
        _ = try await offload {
            var interactions = try TrainingData.purchases(fromOrdersExport: directory + "/\(Orders.table)/items.jsonl")
            interactions += try TrainingData.browsing(fromInteractionsExport: directory + "/\(InteractionLog.table)/items.jsonl")
            if let demo { interactions += try Self.demoRows(demo) }
            return try TrainingData.aggregate(interactions, known: known, asOf: asOf, rules: TrainingData.QueryRules(), to: output).rows
        }
    }

    private static func demoRows(_ path: String) throws -> [Interaction] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").compactMap { line in
            let fields = line.split(separator: "\t")
            guard fields.count == 4, let at = Double(fields[2]), let kind = InteractionKind(rawValue: String(fields[3])) else { return nil }
            return Interaction(user: String(fields[0]), item: String(fields[1]), timestamp: at, kind: kind)
        }
    }

    /// Trains a model on the query's data and saves it as a new version (not yet in service).
    private func train(_ context: StepContext) async throws {
        let version = try await claimVersion(context.runID)
        let input = trainingPath(context.runID), catalogue = recommendations.catalogue, asOf = try asOf(context.runID), models = recommendations.models
        try await offload {
            let interactions = try TrainingData.readAggregate(input)
            let model = ModelBuilder(options: TrainingOptions(decay: .none)).build(interactions: interactions, catalogue: catalogue, version: version, now: asOf)
            try models.save(model)
        }
    }

    /// The gate: the new model must beat popularity on NDCG@10 over enough shoppers, or the run compensates
    /// and the model in service stays.
    private func evaluate(_ context: StepContext) async throws {
        let model = try recommendations.models.load(version: try await claimVersion(context.runID))
        let current = recommendations.models.currentVersion().map { "version \($0)" } ?? "no model (best sellers)"
        guard model.evaluatedUsers >= minimumEvaluatedShoppers else {
            throw WorkflowFailure(Self.gateFailed, cause: "only \(model.evaluatedUsers) shoppers to evaluate on (at least \(minimumEvaluatedShoppers) needed); keeping \(current)")
        }
        guard let score = model.servingMetrics?.ndcg10, let baseline = model.metrics[Algorithm.popularity.rawValue]?.ndcg10 else {
            throw WorkflowFailure(Self.gateFailed, cause: "the model has no evaluation; keeping \(current)")
        }
        guard score > baseline else {
            throw WorkflowFailure(Self.gateFailed, cause: String(format: "%@ scores NDCG@10 %.4f, not above popularity's %.4f, on %d shoppers; keeping %@",
                                                                   model.servingName, score, baseline, model.evaluatedUsers, current))
        }
    }

    /// Puts the new model in service, remembering the one it replaces, unless a newer run's model is already
    /// there; then prunes old runs' files.
    private func publish(_ context: StepContext) async throws {
        let version = try await claimVersion(context.runID)
        let model = try recommendations.models.load(version: version)
        let previous = recommendations.models.currentVersion()
        // Two runs can overlap (a scheduled one and an operator's): the older never replaces the newer.
        if let previous, previous > version { return }
        if previous != version {
            _ = try await store.update(Recommendations.stateTable, key: ["key": .string("run#" + context.runID)],
                                       UpdateExpression().set("previous", .number(previous ?? 0)))
        }
        try recommendations.models.setCurrent(version)
        recommendations.slot.publish(model)
        try await sharedModels?.publish(model)
        try pruneOldRuns(keeping: version)
        // The model it replaced and the gate's copy were freed on the cooperative pool, after the heavy jobs'
        // own trim: handed back here (a 30-minute demo held 15 MB of such memory until trimmed by hand).
        ProcessMemory.giveBack()
    }

    /// Undoes `train` (and a publish that had begun): the previous model back in service if this run's was
    /// already named current, then this run's model file deleted.
    private func discardModel(_ context: StepContext) async throws {
        guard let claim = try await store.get(Recommendations.stateTable, key: ["key": .string("run#" + context.runID)]),
              let version = claim["version"]?.int64Value.map(Int.init) else { return }
        if recommendations.models.currentVersion() == version {
            let previous = claim["previous"]?.int64Value.map(Int.init).flatMap { $0 == 0 ? nil : $0 }
            try recommendations.models.setCurrent(previous)
            let restored = try previous.map { try recommendations.models.load(version: $0) }
            recommendations.slot.publish(restored)
            try await sharedModels?.withdraw(to: restored)
        } else if recommendations.slot.current?.version == version {
            recommendations.slot.publish(try recommendations.models.currentVersion().map { try recommendations.models.load(version: $0) })
        }
        try recommendations.models.delete(version: version)
        ProcessMemory.giveBack()
    }

    /// The run's model version: claimed once (a `version#N` item names its run, so two runs never share a
    /// number) and remembered under `run#<runId>`, so every retry and later step finds the same one.
    func claimVersion(_ runID: String) async throws -> Int {
        let runKey: Item = ["key": .string("run#" + runID)]
        if let claimed = try await store.get(Recommendations.stateTable, key: runKey)?["version"]?.int64Value { return Int(claimed) }
        var candidate = max(recommendations.models.versions().last ?? 0, recommendations.models.currentVersion() ?? 0) + 1
        while true {
            let versionKey = "version#\(candidate)"
            do throws(StoreError) {
                _ = try await store.put(Recommendations.stateTable, ["key": .string(versionKey), "runId": .string(runID)],
                                        condition: .or(.attributeNotExists("key"), .compare("runId", .equal, .string(runID))))
                break
            } catch {
                guard case .conditionalCheckFailed = error else { throw error }
                candidate += 1
            }
        }
        _ = try await store.put(Recommendations.stateTable, runKey.merging(["version": .number(candidate)]) { $1 })
        return candidate
    }

    /// Keeps the model files of the last `keptRuns` versions (and the one in service), and the exports and
    /// catalogs of as many runs, oldest removed first.
    private func pruneOldRuns(keeping current: Int) throws {
        let models = recommendations.models
        for version in models.versions().dropLast(Self.keptRuns) where version != current { try models.delete(version: version) }
        let exports = dataDirectory + "/exports"
        let runs = ((try? FileManager.default.contentsOfDirectory(atPath: exports)) ?? []).compactMap { name -> (String, Date)? in
            let attributes = try? FileManager.default.attributesOfItem(atPath: exports + "/" + name)
            return (attributes?[.modificationDate] as? Date).map { (name, $0) }
        }.sorted { $0.1 < $1.1 }
        for (runID, _) in runs.dropLast(Self.keptRuns) where runState(runID) == .succeeded {
            try remove(exportDirectory(runID))
            try remove(catalogPath(runID))
        }
    }
}
