import Broker
import Foundation
import Recommender
import Store
import Synchronization
import Telemetry
import Workflow

/// The queue consumers: checkout starts a saga per placed order; analytics keeps per-product counters;
/// notifications "sends" confirmations (kept in memory for the console; there is no mail server).
final class Workers: Sendable {
    static let statsTable = "product-stats"

    /// The last confirmations "sent", newest last.
    final class Outbox: Sendable {
        let messages = Mutex<[String]>([])

        func append(_ text: String) {
            messages.withLock { list in
                list.append(text)
                if list.count > 100 { list.removeFirst(list.count - 100) }
            }
        }
    }

    private let pools: [QueueWorkerPool]
    let outbox = Outbox()
    /// How long each pool's receive waits for a message: SQS's longest. A message that arrives wakes it at
    /// once and stopping cancels the wait, so a shorter one would only wake an idle shop more often.
    static let longPollSeconds = 20.0
    /// Checkout handlers at once. Each waits three group commits (receive, start, delete), so the handlers in
    /// flight bound how fast a backlog drains. With wrk posting orders at 256 connections for 10 s
    /// (`assets/bench/orders_wrk.sh`, 2026-12-07): 64 left the queue 11.6–13.0 s to drain after the load;
    /// 256, 5.5–6.8 s with 11–14k orders/s accepted; 1,024 kept pace but took the CPU intake needed, which
    /// fell to ~7,000 orders/s.
    static let checkoutConcurrency = 256

    init(broker: any MessageBroker, store: any DocumentStore, sagas: SagaEngine, orders: Orders, drops: Drops, interactions: InteractionLog,
         attribution: RecommendationAttribution, logger: Logger) {
        let outbox = self.outbox
        pools = [
            QueueWorkerPool(broker: broker, queue: Messaging.checkout, concurrency: Self.checkoutConcurrency, batchSize: 10, waitSeconds: Self.longPollSeconds) { message in
                guard case .string(let orderId)? = message.attributes["orderId"], case .string(let userId)? = message.attributes["userId"] else { return }
                // A message redelivered long after its order settled (its run may be forgotten by now) starts nothing;
                // a failed read is retried through redelivery rather than taken for a settled order.
                let current: Order
                do throws(ShopError) {
                    current = try await orders.order(userId: userId, orderId: orderId)
                } catch {
                    if error.kind == .notFound { return }
                    throw error
                }
                guard current.status == .pending else { return }
                do throws(WorkflowError) {
                    _ = try await sagas.start(CheckoutSaga.name, input: CheckoutSaga.input(for: current), runID: CheckoutSaga.runID(for: orderId))
                } catch {
                    if case .runAlreadyExists = error { return }  // a redelivery: the run is under way
                    throw error
                }
            },
            QueueWorkerPool(broker: broker, queue: Messaging.analytics, concurrency: 32, batchSize: 10, waitSeconds: Self.longPollSeconds) { message in
                try await Self.count(message, store: store, orders: orders, interactions: interactions, attribution: attribution)
            },
            QueueWorkerPool(broker: broker, queue: Messaging.notifications, concurrency: 16, batchSize: 10, waitSeconds: Self.longPollSeconds) { message in
                guard case .string(let orderId)? = message.attributes["orderId"] else { return }
                outbox.append("order \(orderId) confirmed")
                logger.debug("confirmation sent", ["orderId": orderId])
            },
            QueueWorkerPool(broker: broker, queue: Messaging.dropEntries, concurrency: 16, batchSize: 1, waitSeconds: Self.longPollSeconds) { message in
                try await drops.settle(message)
            },
        ]
    }

    static func prepare(_ store: any DocumentStore) async throws(StoreError) {
        try await store.ensureTable(TableSchema(name: statsTable, partitionKey: KeyAttribute("productId", .string)))
    }

    func start() { for pool in pools { pool.start() } }

    func stop() async { for pool in pools { await pool.stop() } }

    var stats: [String: QueueWorkerPool.Stats] {
        Dictionary(uniqueKeysWithValues: pools.map { ($0.queue, $0.stats) })
    }

    /// Views, add-to-carts and units sold per product, and each signed-in shopper's interactions for the
    /// recommender.
    private static func count(_ message: ReceivedMessage, store: any DocumentStore, orders: Orders, interactions: InteractionLog,
                              attribution: RecommendationAttribution) async throws {
        guard case .string(let event)? = message.attributes["event"] else { return }
        let at = Date(timeIntervalSince1970: Double(message.sentAtMillis) / 1000)
        switch event {
        case "view", "add_to_cart":
            guard case .string(let productId)? = message.attributes["productId"] else { return }
            _ = try await store.update(statsTable, key: ["productId": .string(productId)], UpdateExpression().add(event == "view" ? "views" : "carts", 1))
            if case .string(let userId)? = message.attributes["userId"] {
                try await interactions.record(userId: userId, productId: productId, kind: event == "view" ? .view : .cart, at: at,
                                              messageID: message.messageID)
            }
        case "order-confirmed":
            guard case .string(let orderId)? = message.attributes["orderId"], case .string(let userId)? = message.attributes["userId"],
                  let order = try? await orders.order(userId: userId, orderId: orderId) else { return }
            for line in order.items {
                _ = try await store.update(statsTable, key: ["productId": .string(line.productId)],
                                           UpdateExpression().add("sold", line.quantity).add("orders", 1))
                try await interactions.record(userId: userId, productId: line.productId, kind: .purchase, at: at, messageID: message.messageID)
            }
            attribution.ordered(userId: userId, orderId: orderId, lines: order.items.map { ($0.productId, $0.quantity, $0.price) },
                                placedAt: order.createdAt.timeIntervalSince1970)
        default:
            return
        }
    }
}
