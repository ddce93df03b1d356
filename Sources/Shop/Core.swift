import Broker
import Foundation
import HTTP
import Journal
import Store
import Synchronization
import Telemetry
import Workflow

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
    public let store: Store
    public let broker: Broker
    public let scheduler: Scheduler
    public let sagas: SagaEngine
    public let metrics: MetricsRegistry
    public let startedAt: Date
    private let lock: DirectoryLock
    private let closing = Atomic<Bool>(false)

    /// Whether `close` has begun.
    public var isClosing: Bool { closing.load(ordering: .acquiring) }

    /// Opens every component under `options.dataDirectory`, recovering what the journals hold.
    public init(options: CoreOptions, metrics: MetricsRegistry = MetricsRegistry()) throws(CoreError) {
        self.options = options
        self.metrics = metrics
        let directory = options.dataDirectory
        let logger = options.logger
        do throws(JournalError) {
            lock = try DirectoryLock(directory: directory)
        } catch {
            throw CoreError.opening(directory, error)
        }
        do throws(StoreError) {
            store = try Store(directory: directory + "/store", options: options.store, clock: options.clock, metrics: metrics)
        } catch {
            throw CoreError.opening(directory, error)
        }
        do throws(BrokerError) {
            broker = try Broker(directory: directory + "/broker", options: options.broker, clock: options.clock, metrics: metrics)
        } catch {
            throw CoreError.opening(directory, error)
        }
        do throws(WorkflowError) {
            scheduler = try Scheduler(directory: directory + "/scheduler", clock: options.clock) { fire in
                logger.info("schedule fired with no pipeline attached", ["schedule": fire.schedule])
            }
            sagas = try SagaEngine(directory: directory + "/sagas", clock: options.clock)
        } catch {
            throw CoreError.opening(directory, error)
        }
        startedAt = options.clock.now()
        _ = sagas.resumeInterrupted()
        scheduler.start()
        logger.info("core open", ["data": directory, "store": store.recoveryReport.summary, "broker": broker.recoveryReport.summary])
    }

    /// Stops background work and closes every journal (the store and broker write a final snapshot).
    public func close() async {
        guard !closing.exchange(true, ordering: .acquiringAndReleasing) else { return }
        await scheduler.close()
        await sagas.close()
        await broker.close()
        await store.close()
        lock.release()
        options.logger.info("core closed")
    }
}
