import Broker
import Foundation
import Store
import Workflow

/// The checkout saga: open the order → reserve stock → authorise payment → confirm → publish
/// `order-confirmed`. A failure compensates in reverse: the payment is voided, the stock released, and the
/// order ends `failed` with the reason.
///
/// An express saga: a run journals its start and its end, not each step (two saga records per order where
/// there were six). After a crash a run goes through its steps again from the start, so each step is
/// idempotent even after the later ones ran — reserving finds its own reservation, authorising its own payment
/// record, confirming an order already confirmed changes nothing — and each compensation is harmless for a
/// step that never ran and leaves a confirmed order alone.
struct CheckoutSaga: Sendable {
    static let name = "checkout"
    static let reservationsTable = "reservations"
    static let paymentsTable = "payments"

    let store: any DocumentStore
    let broker: any MessageBroker
    let orders: Orders
    let payments: any PaymentProvider
    /// Reservation and payment records expire with their order.
    let retention: DataRetention
    /// Reads the run's failure for the order's reason (set once the engine exists).
    let failureOf: @Sendable (String) -> String?

    static func runID(for orderId: String) -> String { "checkout-" + orderId }

    func prepare() async throws(StoreError) {
        for table in [Self.reservationsTable, Self.paymentsTable] {
            try await store.ensureTable(TableSchema(name: table, partitionKey: KeyAttribute("orderId", .string), timeToLiveAttribute: DataRetention.attribute))
        }
    }

    var definition: SagaDefinition {
        // Every step is idempotent, so a step cut short by a crash simply runs again (`Interrupted`). Were it
        // compensated instead, an interrupted `confirm` would release the stock of an order already confirmed.
        let transient = RetryPolicy(errorEquals: ["StoreUnavailable", "PaymentTimeout", SagaEngine.interruptedError], intervalSeconds: 0.2,
                                    backoffRate: 2, maxAttempts: 5, maxDelaySeconds: 5, jitter: .full)
        return SagaDefinition(name: Self.name, steps: [
            SagaStep("open-order", retry: [transient], action: { _ in }, compensation: { context in try await fail(context) }),
            SagaStep("reserve-stock", retry: [transient], action: { context in try await reserve(context) },
                     compensation: { context in try await release(context) }),
            SagaStep("authorize-payment", retry: [transient], action: { context in try await authorize(context) },
                     compensation: { context in try await void(context) }),
            SagaStep("confirm", retry: [transient], action: { context in try await confirm(context) }),
            SagaStep("publish-confirmation", retry: [RetryPolicy(intervalSeconds: 1, backoffRate: 2, maxAttempts: 10, maxDelaySeconds: 30)],
                     catchRules: [CatchRule(errorEquals: ["*"], action: .fail)],
                     action: { context in try await publish(context) }),
        ], type: .express)
    }

    private func order(_ context: StepContext) async throws -> Order {
        guard let userId = context.input["userId"], let orderId = context.input["orderId"] else {
            throw WorkflowFailure("BadInput", cause: "the run has no order")
        }
        do {
            return try await orders.order(userId: userId, orderId: orderId)
        } catch {
            throw WorkflowFailure(error.kind == .notFound ? "OrderMissing" : "StoreUnavailable", cause: error.message)
        }
    }

    private func key(_ orderId: String) -> Item { ["orderId": .string(orderId)] }

    /// A record kept as long as `order`.
    private func record(of order: Order, _ attributes: Item) -> Item {
        record(orderId: order.orderId, createdAt: order.createdAt, attributes)
    }

    private func record(orderId: String, createdAt: Date, _ attributes: Item) -> Item {
        key(orderId).merging(attributes) { $1 }.merging(retention.orderExpiry(from: createdAt)) { $1 }
    }

    /// The run's input for an order: which order, and the two facts of it that never change and that the
    /// payment step needs (its total, and when it was placed, which its record's expiry follows).
    static func input(for order: Order) -> [String: String] {
        ["orderId": order.orderId, "userId": order.userId, "total": String(order.total),
         "createdAtMillis": String(Int64((order.createdAt.timeIntervalSince1970 * 1000).rounded()))]
    }

    /// The total and placing time from the run's input; read from the order for a run started without them.
    /// The read was one of three of the order per checkout (2026-12-07).
    private func paymentFacts(_ context: StepContext) async throws -> (orderId: String, total: Int, createdAt: Date) {
        if let facts = Self.paymentFacts(in: context.input) { return facts }
        let order = try await order(context)
        return (order.orderId, order.total, order.createdAt)
    }

    /// The payment step's facts as `input(for:)` wrote them; nil for an input without them.
    static func paymentFacts(in input: [String: String]) -> (orderId: String, total: Int, createdAt: Date)? {
        guard let orderId = input["orderId"], let total = input["total"].flatMap(Int.init),
              let millis = input["createdAtMillis"].flatMap(Int64.init) else { return nil }
        return (orderId, total, Date(timeIntervalSince1970: Double(millis) / 1000))
    }

    /// Decrements every line's stock if all have enough, in one transaction with a reservation marker, so
    /// running twice reserves once.
    private func reserve(_ context: StepContext) async throws {
        let order = try await order(context)
        // Never reserve for an order that has already ended (a second run for it must not take stock again) —
        // unless this run confirmed it before a crash and is going through its steps again: then its
        // reservation is there, and the step is done.
        if order.status == .confirmed, try await reservationExists(order.orderId) { return }
        guard order.status == .pending else { throw WorkflowFailure("OrderSettled", cause: "the order is already \(order.status.rawValue)") }
        var actions: [TransactionAction] = [.put(table: Self.reservationsTable, item: record(of: order, [:]), condition: .notExists("orderId"))]
        for line in order.items {
            actions.append(.update(table: Catalog.table, key: ["id": .string(line.productId)], update: UpdateExpression().add("stock", -line.quantity),
                                   condition: .compare("stock", .greaterOrEqual, .number(line.quantity))))
        }
        do {
            try await store.transactWrite(actions)
        } catch {
            guard case .transactionCanceled(let reasons) = error else { throw WorkflowFailure("StoreUnavailable", cause: "\(error)") }
            if let failure = Self.reservationFailure(cancelledBecause: reasons, lines: order.items) { throw failure }
        }
    }

    /// Why a reservation transaction (the marker, then one stock update per line) was cancelled: nil when the
    /// marker was there (reserved by an earlier attempt); out of stock, naming the lines whose stock fell short;
    /// a store failure the step retries when an item was busy or the table throttled — on DynamoDB a hot
    /// item's stock is often held by another transaction (`TransactionConflict`), which is no reason to tell a
    /// buyer it is sold out; and otherwise a rejection, compensated at once.
    static func reservationFailure(cancelledBecause reasons: [CancellationReason], lines: [OrderLine]) -> WorkflowFailure? {
        if reasons.first?.code == .conditionalCheckFailed { return nil }
        let short = zip(lines, reasons.dropFirst()).filter { $0.1.code == .conditionalCheckFailed }.map(\.0.productId)
        if !short.isEmpty { return WorkflowFailure("OutOfStock", cause: "out of stock (\(short.joined(separator: ", ")))") }
        let codes = Set(reasons.map(\.code)).subtracting([.none]).map(\.rawValue).sorted().joined(separator: ", ")
        return reasons.contains(where: \.code.isTransient)
            ? WorkflowFailure("StoreUnavailable", cause: "the reservation was cancelled (\(codes))")
            : WorkflowFailure("ReservationRejected", cause: "the reservation was cancelled (\(codes))")
    }

    private func reservationExists(_ orderId: String) async throws -> Bool {
        do {
            return try await store.get(Self.reservationsTable, key: key(orderId)) != nil
        } catch {
            throw WorkflowFailure("StoreUnavailable", cause: "\(error)")
        }
    }

    /// Gives the stock back, once: only if the reservation marker is still there, and never for a confirmed
    /// order (a run going through its steps again after a crash may fail after its order was confirmed).
    private func release(_ context: StepContext) async throws {
        let order = try await order(context)
        guard order.status != .confirmed else { return }
        var actions: [TransactionAction] = [.delete(table: Self.reservationsTable, key: key(order.orderId), condition: .exists("orderId"))]
        for line in order.items {
            actions.append(.update(table: Catalog.table, key: ["id": .string(line.productId)], update: UpdateExpression().add("stock", line.quantity)))
        }
        do {
            try await store.transactWrite(actions)
        } catch {
            if case .transactionCanceled(let reasons) = error, reasons.first?.code == .conditionalCheckFailed { return }
            throw error
        }
    }

    private func authorize(_ context: StepContext) async throws {
        let order = try await paymentFacts(context)
        // Authorised already, by this run before a crash: the provider may have forgotten the idempotency key
        // since, and a second decision could decline an order that was confirmed.
        if try await store.get(Self.paymentsTable, key: key(order.orderId)) != nil { return }
        let authorization: String
        do {
            authorization = try await payments.authorize(orderId: order.orderId, amount: order.total, idempotencyKey: context.idempotencyKey)
        } catch is PaymentDeclined {
            throw WorkflowFailure("PaymentDeclined", cause: "payment declined")
        }
        _ = try await store.put(Self.paymentsTable, record(orderId: order.orderId, createdAt: order.createdAt, ["authorization": .string(authorization)]))
    }

    /// Voids the payment if there is one, never a confirmed order's.
    private func void(_ context: StepContext) async throws {
        guard let orderId = context.input["orderId"] else { return }
        guard try await order(context).status != .confirmed else { return }
        guard let record = try await store.get(Self.paymentsTable, key: key(orderId)),
              case .string(let authorization)? = record["authorization"] else { return }
        try await payments.void(authorization: authorization)
        _ = try await store.delete(Self.paymentsTable, key: key(orderId))
    }

    private func confirm(_ context: StepContext) async throws {
        guard let userId = context.input["userId"], let orderId = context.input["orderId"] else { return }
        try await orders.settle(userId: userId, orderId: orderId, status: .confirmed, reason: nil)
    }

    private func publish(_ context: StepContext) async throws {
        guard let userId = context.input["userId"], let orderId = context.input["orderId"] else { return }
        _ = try await broker.publish(topic: Orders.topic, OutgoingMessage(
            body: #"{"orderId":"\#(orderId)","userId":"\#(userId)"}"#,
            attributes: ["event": .string("order-confirmed"), "orderId": .string(orderId), "userId": .string(userId)]))
    }

    /// The last compensation: the order ends `failed`, with the reason the failing step gave.
    private func fail(_ context: StepContext) async throws {
        guard let userId = context.input["userId"], let orderId = context.input["orderId"] else { return }
        try await orders.settle(userId: userId, orderId: orderId, status: .failed, reason: failureOf(context.runID) ?? "checkout failed")
    }
}
