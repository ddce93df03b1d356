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
    /// Checkout handlers at once. Each holds its slot through three group commits (receive, start, delete).
    /// While orders arrive, the slots set checkout's share of the CPU against intake's, and so the backlog a
    /// burst leaves. The drain's own rate (7–8k orders/s here) did not move with them: 1,024 slots at a lower
    /// task priority drained no faster.
    /// wrk posting orders at 256 connections for 10 s (`assets/bench/orders_wrk.sh`, 2026-12-07 evening,
    /// alternating), accepted orders/s and the queue empty after the load: 256 slots, 13.1–15.1k and
    /// 4.6–6.1 s; 320, 12.6–14.8k and 4.2–4.7 s; 384, 10.1–14.7k (12k or more in ten runs of twelve) and
    /// 3.1–4.2 s; 448–512, 11.8–12.2k and 2.1–2.6 s; 1,024 kept pace but intake fell to ~7,000/s.
    static let checkoutConcurrency = 384

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
