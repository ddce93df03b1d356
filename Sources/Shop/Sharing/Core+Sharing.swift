import Foundation
import Store

/// The core on a backend several instances share: the background upkeep that keeps this instance in step
/// with the others, its identity among them, and the shop-wide audit listing.
extension Core {
    /// On a remote backend, the newest `limit` audit entries of every instance (oldest first, each naming its
    /// instance); nil on the embedded backend, whose own trail is the shop's.
    public func shopWideAudit(limit: Int) async throws(StoreError) -> [(instance: String, entry: AuditEntry)]? {
        try await sharedAudit?.recent(limit: limit)
    }

    /// On a remote backend, until the core closes: the queue figures, what other instances changed (the A/B
    /// split among it), and runs whose instance stopped renewing their leases, every `sharedSyncSeconds`;
    /// pending orders without a checkout run every `pendingOrderSweepSeconds`.
    func startRemoteUpkeep() {
        let task = Task { [self] in
            var lastSweep = options.clock.now()
            while !Task.isCancelled {
                queueFigures.store(await broker.allStats())
                if let adopted = await sharing?.synchronize() {
                    options.logger.info("serving the model another instance published", ["version": adopted.map(String.init) ?? "none (best sellers)"])
                }
                await recommendations.refreshSplit()
                let adopted = await sagas.adoptAbandonedRuns()
                if !adopted.isEmpty {
                    options.logger.info("took over runs whose instance stopped renewing them", ["runs": String(adopted.count)])
                }
                if options.clock.now().timeIntervalSince(lastSweep) >= options.pendingOrderSweepSeconds {
                    lastSweep = options.clock.now()
                    let started = await handPendingOrdersToCheckout()
                    if started > 0 { options.logger.info("pending orders handed to checkout", ["orders": String(started)]) }
                }
                do { try await options.clock.sleep(seconds: options.sharedSyncSeconds) } catch { return }
            }
        }
        refresher.withLock { $0 = task }
    }

    /// Host, process and a random suffix: unique among the instances, and readable in a lease.
    static func makeInstanceID() -> String {
        var name = [CChar](repeating: 0, count: 256)
        let host = gethostname(&name, name.count) == 0
            ? String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "host"
        return "\(host)-\(getpid())-\(UInt32.random(in: 0...UInt32.max) % 1_000_000)"
    }
}
