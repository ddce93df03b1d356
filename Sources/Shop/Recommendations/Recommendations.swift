import Foundation
import Recommender
import Store
import Synchronization
import Telemetry

/// The recommender as the shop runs it: the model in service (from `models/`, swapped atomically when the
/// pipeline publishes), the live best sellers and trending, and what the API asks of them.
public final class Recommendations: Sendable {
    static let stateTable = "recommender"
    public let slot = ModelSlot()
    public let models: ModelStore
    public let interactions: InteractionLog
    /// What the recommendations shown earn, per model version.
    public let attribution: RecommendationAttribution
    /// How often the attribution's counts are added to the store's (a `kill -9` loses at most this much).
    static let attributionFlushSeconds = 5.0
    private let ledger: AttributionLedger
    private let flusher = Mutex<Task<Void, Never>?>(nil)
    /// The A/B split: the share of shoppers (0–50 %) kept on the version before the one in service, and — once
    /// looked up for the version in service `controlFor` — that earlier version (nil if there is none or it
    /// cannot be read), so a request during a split neither lists `models/` nor reads a file.
    private let split = Mutex<(percent: Int, controlFor: Int?, control: RecommendationModel?)>((0, nil, nil))
    static let splitKey: Item = ["key": .string("ab-split")]
    let store: any DocumentStore
    let catalog: Catalog
    let clock: any WallClock

    init(directory: String, store: any DocumentStore, catalog: Catalog, clock: any WallClock, keepInteractionsSeconds: Double,
         attribution: RecommendationAttribution = RecommendationAttribution()) {
        self.attribution = attribution
        ledger = AttributionLedger(store: store, attribution: attribution)
        models = ModelStore(directory: directory + "/models")
        interactions = InteractionLog(store: store, trends: TrendTracker(), keptSeconds: keepInteractionsSeconds)
        self.store = store
        self.catalog = catalog
        self.clock = clock
    }

    func prepare() async throws(StoreError) {
        try await interactions.prepare()
        try await store.ensureTable(TableSchema(name: Self.stateTable, partitionKey: KeyAttribute("key", .string)))
    }

    /// Puts the model `CURRENT` names in service (none if there is none or it cannot be read), and feeds
    /// the live baselines from the stored interactions. Returns what was loaded, for the start-up log.
    func start(logger: Logger) async -> (version: Int?, replayed: Int) {
        var loaded: Int?
        if let version = models.currentVersion() {
            do throws(ModelStore.StoreError) {
                slot.publish(try models.load(version: version))
                loaded = version
            } catch {
                logger.error("the model in service cannot be read; serving best sellers until the next pipeline run", ["error": error.description])
            }
        }
        let replayed = (try? await interactions.replay(days: interactions.keptSeconds / 86_400, now: clock.now())) ?? 0
        await ledger.load(versions: models.versions())
        await refreshSplit()
        return (loaded, replayed)
    }

    /// Adds the attribution's counts to the store's every `attributionFlushSeconds` until stopped.
    func startFlushingAttribution() {
        let (ledger, models, clock) = (self.ledger, self.models, self.clock)
        let task = Task {
            while !Task.isCancelled {
                do { try await clock.sleep(seconds: Self.attributionFlushSeconds) } catch { return }
                await ledger.flush(versions: models.versions())
            }
        }
        flusher.withLock { $0 = task }
    }

    /// Stops the periodic flush and flushes what is left (at close).
    func stopFlushingAttribution() async {
        if let task = flusher.withLock({ $0 }) {
            task.cancel()
            await task.value
        }
        await ledger.flush(versions: models.versions())
    }

    /// The catalogue a model ranks: every product with its category.
    var catalogue: [(id: String, category: String)] {
        catalog.all.map { ($0.id, $0.category) }
    }

    /// Products bought together with `productId`, from the model in service.
    public func similar(to productId: String, limit: Int) -> (version: Int?, items: [Recommendation]) {
        let model = slot.current
        return (model?.version, model?.similar(to: productId, limit: limit) ?? [])
    }

    /// A shopper's recommendations: their history weighs in, what they bought never comes back. Without a
    /// model, best sellers they have not bought. What is returned counts as shown, for attribution.
    public func forShopper(_ userId: String, limit: Int) async throws(StoreError) -> (version: Int?, items: [Recommendation]) {
        let proposed = try await propose(userId, limit: limit)
        attribution.shown(userId: userId, items: proposed.items.map(\.item), version: proposed.version ?? 0, at: clock.now().timeIntervalSince1970)
        return proposed
    }

    /// The share of shoppers kept on the version before the one in service (0: no split).
    public var splitPercent: Int { split.withLock { $0.percent } }

    /// The version a split compares the one in service with: the newest saved before it.
    public func controlVersion() -> Int? {
        guard let current = slot.current?.version else { return nil }
        return models.versions().filter { $0 < current }.max()
    }

    /// Takes the split saved in the store (at start, and on a shared backend every sync: another instance
    /// may have changed it).
    func refreshSplit() async {
        guard let stored = try? await store.get(Self.stateTable, key: Self.splitKey), let percent = stored["percent"]?.int64Value else { return }
        split.withLock { if $0.percent != Int(percent) { $0 = (Int(percent), nil, nil) } }
    }

    /// Keeps `percent` of shoppers on `controlVersion()`, saved so a restart keeps the split.
    func setSplit(_ percent: Int) async throws(StoreError) {
        _ = try await store.put(Self.stateTable, Self.splitKey.merging(["percent": .number(Number(percent))]) { $1 })
        split.withLock { $0 = (percent, nil, nil) }
    }

    /// The model `userId` is served: the control version for a stable `percent` of shoppers during a split
    /// (by a hash of their id, so each shopper always sees the same side), else the one in service.
    func model(for userId: String) -> RecommendationModel? {
        let current = slot.current
        let (percent, controlFor, cached) = split.withLock { ($0.percent, $0.controlFor, $0.control) }
        guard percent > 0, let current, Self.bucket(of: userId) < percent else { return current }
        if controlFor == current.version { return cached ?? current }
        // Looked up once per version in service: a new model moves the comparison to the one it replaced.
        let control = controlVersion().flatMap { try? models.load(version: $0) }
        split.withLock { state in if state.percent == percent { (state.controlFor, state.control) = (current.version, control) } }
        return control ?? current
    }

    /// 0–99, the same for a shopper every time and on every instance (FNV-1a of the id).
    static func bucket(of userId: String) -> Int {
        Int(StableHash.fnv1a(userId) % 100)
    }

    private func propose(_ userId: String, limit: Int) async throws(StoreError) -> (version: Int?, items: [Recommendation]) {
        let history = try await interactions.history(of: userId)
        let bought = Set(history.filter(\.isPurchase).map(\.item))
        var weights: [String: Double] = [:]
        var firstBought: [String: Double] = [:]
        for interaction in history {
            weights[interaction.item, default: 0] += interaction.weight
            if interaction.isPurchase { firstBought[interaction.item] = min(firstBought[interaction.item] ?? .infinity, interaction.timestamp) }
        }
        guard let model = model(for: userId) else {
            let sellers = interactions.trends.topSellers(limit + bought.count).filter { !bought.contains($0.item) }.prefix(limit)
            return (nil, sellers.map { Recommendation(item: $0.item, score: Double($0.buyers), reason: .popular(category: catalog.details($0.item)?.category)) })
        }
        return (model.version, model.recommend(history: weights.map { ($0.key, $0.value) }.sorted { $0.0 < $1.0 },
                                               purchases: firstBought.map { ($0.key, $0.value) }, excluding: bought, limit: limit))
    }

    /// Live best sellers (distinct buyers) and trending items.
    public func top(limit: Int) -> (sellers: [(item: String, buyers: Int)], trending: [(item: String, score: Double)]) {
        let trends = interactions.trends
        return (trends.topSellers(limit), trends.trending(limit, now: clock.now().timeIntervalSince1970))
    }
}
