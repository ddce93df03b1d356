/// Trains a complete model from interactions: the scorers, the offline evaluation that picks the serving
/// algorithm (the best of item-kNN, EASE — each with bought-next blended in at the options' weight — and
/// bought-next alone, on NDCG@10, leave-last-out), and the popularity baselines.
public struct ModelBuilder: Sendable {
    public var options: TrainingOptions
    public var trendSettings: TrendTracker.Settings

    public init(options: TrainingOptions = TrainingOptions(), trendSettings: TrendTracker.Settings = TrendTracker.Settings()) {
        self.options = options
        self.trendSettings = trendSettings
    }

    /// A model over `catalogue` (identifier and category; interactions with other items are left out),
    /// trained on `interactions` as of `now` (seconds since 1970).
    public func build(interactions: [Interaction], catalogue: [(id: String, category: String)], version: Int, now: Double,
                      evaluate: Bool = true) -> RecommendationModel {
        var seen = Set<String>()
        let catalogue = catalogue.filter { seen.insert($0.id).inserted }
        // Interactions with items outside the catalogue are left out by the matrix.
        let matrix = InteractionMatrix(interactions, catalogue: catalogue.map(\.id), decay: options.decay, referenceTime: now)
        let scorer = Trainer(options: options).scorer(matrix)
        var metrics: [String: EvaluationRow] = [:]
        var evaluatedUsers = 0
        var algorithm: Algorithm = scorer.ease == nil ? .itemKNN : .ease
        if evaluate {
            let evaluation = Evaluation.run(EvaluationSplit.leaveLastOut(interactions.filter { seen.contains($0.item) }), options: options)
            for row in evaluation.rows { metrics[row.model] = row }
            evaluatedUsers = evaluation.users
            let candidates = evaluation.rows.filter { $0.model != Algorithm.popularity.rawValue }
            // A blended row (`ease+next`) names its base model.
            if let best = candidates.max(by: { $0.ndcg10 < $1.ndcg10 }),
               let chosen = Algorithm(rawValue: String(best.model.prefix { $0 != "+" })) { algorithm = chosen }
        }
        // Trending looks at the rising window and the baseline before it only: the tracker is fed just those.
        let tracker = TrendTracker(settings: trendSettings)
        let recent = now - trendSettings.keptSeconds
        for interaction in interactions where interaction.timestamp >= recent && seen.contains(interaction.item) { tracker.record(interaction) }
        let bestSellers = TopK.best(200, of: scorer.popularity).map { (matrix.items[$0.index], Int($0.score)) }
        return RecommendationModel(version: version, trainedAt: now, algorithm: algorithm, items: matrix.items,
                                   categories: catalogue.map(\.category), metrics: metrics, evaluatedUsers: evaluatedUsers, bestSellers: bestSellers,
                                   trending: tracker.trending(50, now: now), scorer: scorer)
    }
}
