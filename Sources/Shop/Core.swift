import Addressing
import Broker
import Foundation
import Journal
import Recommender
import Store
import Synchronization
import Telemetry
import Workflow
import WAF

/// Options for opening the core.
public struct CoreOptions: Sendable {
    /// Everything durable lives here (created if missing).
    public var dataDirectory: String
    public var clock: any WallClock
    public var logger: Logger
    /// Networks whose `X-Forwarded-For` is believed (none by default).
    public var trustedProxies: [String]
    public var store = StoreOptions()
    public var broker = BrokerOptions()
    public var accounts = AccountOptions()
    /// Share of payment authorisations the simulated provider declines (0–1).
    public var paymentFailureRate: Double = 0
    /// Seconds each simulated payment call takes.
    public var paymentLatency: Double = 0.005
    /// The catalog for a first start; by default `assets/catalog.json`, or the generator if it is not found.
    public var catalog: (@Sendable () -> [Product])?
    /// Start the queue consumers (tests that drive them by hand turn this off).
    public var startWorkers = true
    /// When the recommendation pipeline runs: an EventBridge-style expression, nightly by default.
    public var recommendationSchedule = RecommendationPipeline.nightly
    /// Join this generated history (by default 100,000 purchases by 10,000 shoppers) to every training
    /// run, and train once at start when no model is in service — for demos of a shop without real traffic.
    public var demoHistory: DemoHistory?
    /// Called as each recommendation pipeline step begins (tests hold a step there to stop the core mid-run).
    public var pipelineStepHook: (@Sendable (_ step: String) async throws -> Void)?
    /// Shoppers the pipeline's evaluation needs before it lets a model be published.
    public var minimumEvaluatedShoppers = 20
    /// How long orders, drops, browsing and idempotency keys are kept.
    public var retention = DataRetention()
    /// Where documents and messages live: the embedded engines by default, or a remote backend.
    public var backend: CoreBackend = .embedded
    /// On a remote backend: how long a saga run stays with an instance that stops renewing its lease before
    /// another instance takes it over.
    public var sharedRunLeaseSeconds: Double = 15
    /// On a remote backend: how often blocks, rule settings and tokens changed by other instances are taken
    /// up here, and abandoned runs looked for.
    public var sharedSyncSeconds: Double = 2
    /// On a remote backend: how often pending orders are checked for a checkout run (an instance that died
    /// between acknowledging an order and announcing it leaves one without).
    public var pendingOrderSweepSeconds: Double = 30

    public init(dataDirectory: String, clock: any WallClock = SystemClock(),
                logger: Logger = Logger(label: "shopdeck"), trustedProxies: [String] = []) {
        self.dataDirectory = dataDirectory
        self.clock = clock
        self.logger = logger
        self.trustedProxies = trustedProxies
    }
}

/// The embedded core: opens, wires and closes the components that run the shop. Holds the data
/// directory's lock for its whole life, so a second process on the same directory is refused.
public final class Core: Sendable {
    public let options: CoreOptions
    /// The document store every component uses: the embedded `Store`, or DynamoDB.
    public let store: any DocumentStore
    /// The broker every component uses: the embedded `Broker`, or SQS and SNS.
    public let broker: any MessageBroker
    /// The embedded engines, when the core runs on them (nil on a remote backend).
    public let engines: EmbeddedEngines?
    /// A remote broker's queue figures, refreshed in the background for the synchronous readers.
    let queueFigures = QueueFiguresCache()
    let refresher = Mutex<Task<Void, Never>?>(nil)
    /// This process among the instances of a shop on a remote backend (saga leases and schedule claims name it).
    public let instanceID: String
    /// What this instance takes up from the others, on a remote backend.
    let sharing: SharedShopSync?
    /// Every instance's audit entries, on a remote backend.
    let sharedAudit: SharedAudit?
    public let scheduler: Scheduler
    public let sagas: SagaEngine
    public let audit: AuditTrail
    public let accounts: Accounts
    public let catalog: Catalog
    public let carts: Carts
    public let orders: Orders
    public let drops: Drops
    /// API keys and their usage plans (the HTTP gateway looks keys up here; operators create them).
    public let apiKeys: APIKeyRegistry
    public let waf: WebApplicationFirewall
    public let recommendations: Recommendations
    /// The Traffic pane's figures, fed by whatever serves the shop (the HTTP edge records every answer).
    public let traffic: TrafficMonitor
    /// What addresses did that matters to the business (sign-ins, orders, drop entries): the dossier and a
    /// block's impact preview read it.
    public let addressActivity = AddressActivity()
    let pipeline: RecommendationPipeline
    let wafRules: WAFRuleSettings
    let wafBlocks: WAFBlockSettings
    public let payments: SimulatedPaymentProvider
    public let metrics: MetricsRegistry
    public let startedAt: Date
    /// The admin API's tokens: `DIR/admin-token` and `DIR/viewer-token`.
    public let tokens: AccessTokens
    /// The bearer token the admin API requires (kept in `DIR/admin-token`), for in-process operators such
    /// as the demo's simulator.
    public var adminToken: String { tokens.token(.admin) }
    let workers: Workers
    /// Told the id of each product an operator changed, so caches in front of the shop can drop it.
    private let productObservers = Mutex<[@Sendable (String) -> Void]>([])
    /// Repairs applied to the data directory (`DIR/repairs.json`); unacknowledged ones degrade `/status`.
    let repairs: Mutex<[RepairRecord]>
    private let lock: DirectoryLock
    private let closing = Atomic<Bool>(false)

    /// Whether `close` has begun.
    public var isClosing: Bool { closing.load(ordering: .acquiring) }

    /// Opens every component under `options.dataDirectory`, recovers what the journals hold, prepares the
    /// shop's tables and queues (loading the catalog on first start) and starts the consumers.
    public static func open(options: CoreOptions, metrics: MetricsRegistry = MetricsRegistry()) async throws(CoreError) -> Core {
        if case .remote(let store, _, _, _) = options.backend {
            // Instances of one shop sign and accept the same tokens: agreed before the files are read.
            try? FileManager.default.createDirectory(atPath: options.dataDirectory, withIntermediateDirectories: true)
            try await SharedSecrets.adopt(directory: options.dataDirectory, store: store)
        }
        let core = try Core(options: options, metrics: metrics)
        do throws(CoreError) {
            try await core.prepare()
        } catch {
            await core.close()
            throw error
        }
        return core
    }

    private init(options: CoreOptions, metrics: MetricsRegistry) throws(CoreError) {
        self.options = options
        self.metrics = metrics
        let directory = options.dataDirectory
        let logger = options.logger
        let clock = options.clock
        do throws(JournalError) {
            lock = try DirectoryLock(directory: directory)
        } catch {
            throw CoreError.opening(directory, error)
        }
        tokens = try AccessTokens(directory: directory)
        repairs = Mutex(try RepairLog.load(directory: directory))
        let signingKey = Array(try SecretFiles.loadOrCreate(directory + "/token-key", byteCount: 32).utf8)
        switch options.backend {
        case .embedded:
            let engineStore: Store, engineBroker: Broker
            do throws(StoreError) {
                engineStore = try Store(directory: directory + "/store", options: options.store, clock: clock, metrics: metrics)
            } catch {
                throw CoreError.opening(directory, error)
            }
            do throws(BrokerError) {
                engineBroker = try Broker(directory: directory + "/broker", options: options.broker, clock: clock, metrics: metrics)
            } catch {
                throw CoreError.opening(directory, error)
            }
            engines = EmbeddedEngines(store: engineStore, broker: engineBroker)
            store = engineStore
            broker = engineBroker
        case let .remote(remoteStore, remoteBroker, _, _):
            engines = nil
            store = remoteStore
            broker = remoteBroker
        }
        let instanceID = Self.makeInstanceID()
        self.instanceID = instanceID
        let fireClaims = engines == nil ? ScheduleFireClaims(store: store) : nil
        sharedAudit = engines == nil ? SharedAudit(store: store, instance: instanceID, logger: logger.labeled("audit")) : nil
        do throws(WorkflowError) {
            let sagas = if engines == nil {
                SagaEngine(shared: SharedSagaRuns(store: StoredSagaRuns(store: store), owner: instanceID, leaseSeconds: options.sharedRunLeaseSeconds),
                           clock: clock)
            } else {
                try SagaEngine(directory: directory + "/sagas", clock: clock)
            }
            scheduler = try Scheduler(directory: directory + "/scheduler", clock: clock) { fire in
                guard fire.schedule == RecommendationPipeline.schedule else {
                    logger.info("schedule fired with no pipeline attached", ["schedule": fire.schedule])
                    return
                }
                if let fireClaims, try await !fireClaims.claim(schedule: fire.schedule, scheduledAt: fire.scheduledAt, by: instanceID) {
                    logger.info("schedule fire claimed by another instance", ["schedule": fire.schedule])
                    return
                }
                // One run at a time from the schedule: a run still going when the next fire comes is enough.
                if let running = sagas.runs(saga: RecommendationPipeline.name, state: .running).first {
                    logger.info("recommendation pipeline already running; this fire starts nothing", ["runId": running.runID])
                    return
                }
                let runID = try await sagas.start(RecommendationPipeline.name, input: ["scheduledAt": Logger.timestamp(fire.scheduledAt)])
                logger.info("recommendation pipeline started by its schedule", ["runId": runID])
            }
            self.sagas = sagas
        } catch {
            throw CoreError.opening(directory, error)
        }
        do throws(JournalError) {
            audit = try AuditTrail(directory: directory + "/audit", clock: clock, mirror: sharedAudit)
        } catch {
            throw CoreError.opening(directory, error)
        }
        accounts = Accounts(store: store, audit: audit, clock: clock, signingKey: signingKey, options: options.accounts, activity: addressActivity)
        catalog = Catalog(store: store)
        let attribution = RecommendationAttribution()
        carts = Carts(store: store, catalog: catalog, clock: clock, attribution: attribution)
        orders = Orders(store: store, broker: broker, catalog: catalog, carts: carts, clock: clock, metrics: metrics, retention: options.retention,
                        activity: addressActivity)
        drops = Drops(store: store, broker: broker, catalog: catalog, clock: clock, retention: options.retention, activity: addressActivity)
        payments = SimulatedPaymentProvider(failureRate: options.paymentFailureRate, latency: options.paymentLatency, clock: clock)
        waf = WebApplicationFirewall(clock: clock, metrics: metrics)
        wafRules = WAFRuleSettings(store: store, waf: waf)
        wafBlocks = WAFBlockSettings(store: store, waf: waf)
        apiKeys = APIKeyRegistry(store: store)
        recommendations = Recommendations(directory: directory, store: store, catalog: catalog, clock: clock,
                                          keepInteractionsSeconds: options.retention.interactionsSeconds, attribution: attribution)
        traffic = TrafficMonitor(clock: clock)
        sharing = engines == nil ? SharedShopSync(store: store, blocks: wafBlocks, rules: wafRules, tokens: tokens, apiKeys: apiKeys,
                                                  recommendations: recommendations, directory: directory) : nil
        pipeline = RecommendationPipeline(dataDirectory: directory, store: store, recommendations: recommendations, demoHistory: options.demoHistory,
                                          minimumEvaluatedShoppers: options.minimumEvaluatedShoppers, runState: { [sagas] in sagas.run($0)?.state },
                                          stepHook: options.pipelineStepHook, sharedModels: engines == nil ? SharedModels(store: store) : nil)
        workers = Workers(broker: broker, store: store, sagas: sagas, orders: orders, drops: drops, interactions: recommendations.interactions,
                          attribution: attribution, logger: logger.labeled("workers"))
        startedAt = clock.now()
    }

    private func prepare() async throws(CoreError) {
        let directory = options.dataDirectory
        let checkout = CheckoutSaga(store: store, broker: broker, orders: orders, payments: payments, retention: options.retention,
                                    failureOf: { [sagas] runID in Self.failureReason(sagas.run(runID)) })
        do throws(StoreError) {
            try await accounts.prepare()
            try await catalog.prepare(seed: options.catalog ?? Self.bundledCatalog)
            try await carts.prepare()
            try await orders.prepare()
            try await drops.prepare()
            try await checkout.prepare()
            try await Workers.prepare(store)
            try await wafRules.load()
            try await wafBlocks.load()
            try await apiKeys.load()
            try await recommendations.prepare()
            if engines == nil {
                try await StoredSagaRuns(store: store).prepare()
                try await ScheduleFireClaims(store: store).prepare()
                try await SharedModels(store: store).prepare()
                try await sharedAudit?.prepare()
            }
        } catch {
            throw CoreError("cannot prepare the shop's tables in \(directory): \(error)")
        }
        do throws(BrokerError) {
            try await Messaging.declare(broker)
        } catch {
            throw CoreError("cannot declare the shop's queues in \(directory): \(error)")
        }
        do throws(WorkflowError) {
            try sagas.register(checkout.definition)
            try sagas.register(pipeline.definition)
            if !scheduler.schedules().contains(where: { $0.definition.name == RecommendationPipeline.schedule }) {
                try await scheduler.createSchedule(ScheduleDefinition(name: RecommendationPipeline.schedule, expression: options.recommendationSchedule))
            }
        } catch {
            throw CoreError("cannot register the sagas and schedules: \(error)")
        }
        let served = await recommendations.start(logger: options.logger)
        recommendations.startFlushingAttribution()
        if !audit.verified {
            options.logger.error("the audit trail's hash chain is broken", ["firstBadEntry": String(audit.brokenAt ?? 0)])
        }
        let resumed = sagas.resumeInterrupted()
        let handedOver = await handPendingOrdersToCheckout()
        do throws(ShopError) {
            try await drops.loadBoard()
        } catch {
            options.logger.warning("cannot read the drops for the console's flash-sale view", ["error": "\(error)"])
        }
        if options.startWorkers { workers.start() }
        scheduler.start()
        if options.demoHistory != nil, served.version == nil, sagas.runs(saga: RecommendationPipeline.name, state: .running).isEmpty {
            _ = try? await sagas.start(RecommendationPipeline.name, input: ["reason": "no model in service at start"])
        }
        if engines == nil { startRemoteUpkeep() }
        options.logger.info("core open", ["data": directory, "backend": backendName,
                                          "store": engines?.store.recoveryReport.summary ?? "remote", "broker": engines?.broker.recoveryReport.summary ?? "remote",
                                          "products": String(catalog.count), "runsResumed": String(resumed.count),
                                          "ordersHandedToCheckout": String(handedOver),
                                          "modelInService": served.version.map(String.init) ?? "none", "interactionsReplayed": String(served.replayed)])
    }

    /// `embedded`, or the remote backend's name.
    public var backendName: String {
        if case .remote(_, _, let name, _) = options.backend { return name }
        return "embedded"
    }

    /// Every queue's figures, read without waiting: from the embedded broker, or as last fetched from a
    /// remote one (SQS's approximate counts).
    public func queueStats() -> [QueueStats] {
        engines?.broker.allStats() ?? queueFigures.latest
    }

    /// Calls `observer` with the id of every product an operator changes from now on (the HTTP edge's cache
    /// registers here, so the domain needs no knowledge of what caches it).
    public func observeProductChanges(_ observer: @escaping @Sendable (String) -> Void) {
        productObservers.withLock { $0.append(observer) }
    }

    func productChanged(_ id: String) {
        for observer in productObservers.withLock({ $0 }) { observer(id) }
    }

    /// Every pending order must have a checkout run: one whose `order-placed` message was lost to a crash
    /// between the order's commit and the publish gets one now. An order whose run already ended (a run that
    /// failed before its first step completed has nothing to compensate, so nothing settled the order) is
    /// settled from the run's outcome.
    func handPendingOrdersToCheckout() async -> Int {
        guard let pending = try? await orders.pending() else { return 0 }
        var started = 0
        for (userId, orderId) in pending {
            let runID = CheckoutSaga.runID(for: orderId)
            // On a shared store the run may be another instance's: `lookUp` reads it there.
            guard let run = await sagas.lookUp(runID) else {
                if (try? await sagas.start(CheckoutSaga.name, input: ["orderId": orderId, "userId": userId], runID: runID)) != nil { started += 1 }
                continue
            }
            switch run.state {
            case .succeeded: try? await orders.settle(userId: userId, orderId: orderId, status: .confirmed, reason: nil)
            case .compensated: try? await orders.settle(userId: userId, orderId: orderId, status: .failed, reason: Self.failureReason(run) ?? "checkout failed")
            case .running, .compensating, .failed: continue  // under way, or waiting for an operator's redrive
            }
        }
        return started
    }

    /// Why a checkout run failed, in the words the order shows (`out of stock`, `payment declined`…).
    static func failureReason(_ run: SagaRun?) -> String? {
        guard let error = run?.steps.last(where: { $0.error != nil })?.error else { return nil }
        guard let separator = error.range(of: ": ") else { return error }
        return String(error[separator.upperBound...])
    }

    /// `assets/catalog.json`, or the same catalog from the generator when the assets are not found.
    @Sendable static func bundledCatalog() -> [Product] {
        if let data = Assets.read("catalog.json"), let file = try? JSONDecoder().decode(CatalogFile.self, from: data) { return file.products }
        return CatalogGenerator.products()
    }

    /// Stops the consumers and background work, then closes every journal (the store and broker write a
    /// final snapshot) and releases the data directory.
    public func close() async {
        guard !closing.exchange(true, ordering: .acquiringAndReleasing) else { return }
        if let upkeep = refresher.withLock({ $0 }) {
            upkeep.cancel()
            await upkeep.value
        }
        await workers.stop()
        await recommendations.stopFlushingAttribution()
        await scheduler.close()
        await sagas.close()
        await engines?.broker.close()
        await engines?.store.close()
        audit.close()
        lock.release()
        options.logger.info("core closed")
    }
}

/// The shape of `assets/catalog.json`.
public struct CatalogFile: Codable, Sendable {
    public var version: Int
    public var products: [Product]

    public init(products: [Product]) {
        version = 1
        self.products = products
    }
}
