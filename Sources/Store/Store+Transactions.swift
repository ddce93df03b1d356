import Foundation
import Hashing

/// One action of a write transaction.
public enum TransactionAction: Sendable {
    case put(table: String, item: Item, condition: Condition? = nil)
    case update(table: String, key: Item, update: UpdateExpression, condition: Condition? = nil)
    case delete(table: String, key: Item, condition: Condition? = nil)
    /// Requires `condition` to hold for the item without changing it.
    case conditionCheck(table: String, key: Item, condition: Condition)

    var table: String {
        switch self {
        case .put(let table, _, _), .update(let table, _, _, _), .delete(let table, _, _), .conditionCheck(let table, _, _): table
        }
    }

    /// Canonical text of the action, for the request fingerprint behind client tokens.
    var canonicalText: String {
        switch self {
        case let .put(table, item, condition):
            "put|\(table)|\(AttributeValue.map(item))|\(condition.map(\.description) ?? "")"
        case let .update(table, key, update, condition):
            "update|\(table)|\(AttributeValue.map(key))|\(update)|\(condition.map(\.description) ?? "")"
        case let .delete(table, key, condition):
            "delete|\(table)|\(AttributeValue.map(key))|\(condition.map(\.description) ?? "")"
        case let .conditionCheck(table, key, condition):
            "check|\(table)|\(AttributeValue.map(key))|\(condition)"
        }
    }
}

extension Store {
    /// Longest client token accepted (DynamoDB: 36).
    public static let maximumClientTokenLength = 36

    /// Applies every action or none. Conditions are checked against the items as they stand; if any fails,
    /// nothing is written and `.transactionCanceled` lists a reason per action. Actions must address
    /// distinct items. With a `clientToken`, repeating the same request within 10 minutes applies it once
    /// and succeeds again; reusing the token for a different request is `.idempotentParameterMismatch`.
    /// `acknowledging` moves a change-feed consumer's position in the same commit, for exactly-once processing.
    public func transactWrite(_ actions: [TransactionAction], clientToken: String? = nil,
                              acknowledging: (consumer: String, sequence: UInt64)? = nil) async throws(StoreError) {
        guard !actions.isEmpty, actions.count <= options.maximumTransactionActions else {
            throw .validation("a transaction holds 1 to \(options.maximumTransactionActions) actions, got \(actions.count)")
        }
        if let clientToken, clientToken.isEmpty || clientToken.count > Self.maximumClientTokenLength {
            throw .validation("client tokens are 1 to \(Self.maximumClientTokenLength) characters long")
        }
        // Only a client token needs the request's fingerprint (its text was 1.5 % of the order path's CPU).
        let requestHash = clientToken == nil ? [] : SHA256.hash(Array(actions.map(\.canonicalText).joined(separator: "\n").utf8))
        let itemLimit = options.maximumItemBytes
        let transactionLimit = options.maximumTransactionBytes
        try await perform(.transactWrite) { (s, now) throws(StoreError) -> Decision<Void> in
            let nowMillis = Self.millis(now)
            if let clientToken, let previous = s.tokens.lookUp(clientToken, nowMillis: nowMillis) {
                guard previous.requestHash == requestHash else {
                    return .reject(.idempotentParameterMismatch(token: clientToken), observedLSN: previous.lsn)
                }
                return .answer((), observedLSN: previous.lsn)
            }
            if let acknowledging, s.feed.consumers[acknowledging.consumer] == nil {
                throw .consumerNotFound(acknowledging.consumer)
            }
            var touched = Set<PrimaryKeyInTable>()
            var reasons: [CancellationReason] = []
            var mutations: [Mutation] = []
            var observed: UInt64 = 0
            var totalBytes = 0
            for action in actions {
                let data = try Self.table(action.table, in: s)
                let keyAttributes: Item
                switch action {
                case .put(_, let item, _): keyAttributes = try data.schema.key(ofItem: item).attributes(in: data.schema)
                case .update(_, let key, _, _), .delete(_, let key, _), .conditionCheck(_, let key, _): keyAttributes = key
                }
                let key = try data.schema.key(fromKeyAttributes: keyAttributes)
                guard touched.insert(PrimaryKeyInTable(table: action.table, key: key)).inserted else {
                    throw .validation("a transaction cannot include more than one action on item \(key) of table \"\(action.table)\"")
                }
                let (current, lsn) = Self.visibleItem(data, key, now)
                observed = max(observed, lsn)
                let condition: Condition?
                switch action {
                case .put(_, _, let c), .update(_, _, _, let c), .delete(_, _, let c): condition = c
                case .conditionCheck(_, _, let c): condition = c
                }
                if let condition, !condition.evaluate(on: current) {
                    reasons.append(CancellationReason(code: .conditionalCheckFailed, message: "the condition on \(key) in \"\(action.table)\" did not hold"))
                    continue
                }
                do throws(StoreError) {
                    switch action {
                    case .put(_, let item, _):
                        let mutation = try Self.writing(item, table: action.table, key: key, limit: itemLimit)
                        totalBytes += mutation.size
                        mutations.append(mutation)
                    case .update(_, _, let update, _):
                        try update.validate(for: data.schema)
                        let updated = try update.apply(to: current, key: keyAttributes)
                        let mutation = try Self.writing(updated, table: action.table, key: key, limit: itemLimit)
                        totalBytes += mutation.size
                        mutations.append(mutation)
                    case .delete:
                        if data.get(key) != nil { mutations.append(Mutation(table: action.table, key: key, newItem: nil, size: 0)) }
                    case .conditionCheck:
                        break
                    }
                    reasons.append(CancellationReason(code: .none))
                } catch {
                    reasons.append(CancellationReason(code: .validationError, message: error.description))
                }
            }
            if reasons.contains(where: { $0.code != .none }) {
                return .reject(.transactionCanceled(reasons), observedLSN: observed)
            }
            guard totalBytes <= transactionLimit else {
                throw .validation("the transaction's items total \(totalBytes) bytes, over the \(transactionLimit)-byte limit")
            }
            var batch = WriteBatch(timestampMillis: nowMillis, origin: .user, mutations: mutations,
                                   token: clientToken.map { ($0, requestHash) })
            batch.acknowledge = acknowledging
            return .commit(.write(batch), ())
        }
    }

    /// Reads several items as of one instant (a consistent view across tables). Nil for missing items.
    public func transactGet(_ keys: [(table: String, key: Item)]) async throws(StoreError) -> [Item?] {
        guard !keys.isEmpty, keys.count <= options.maximumTransactionActions else {
            throw .validation("a transactional read holds 1 to \(options.maximumTransactionActions) keys, got \(keys.count)")
        }
        return try await perform(.transactGet) { (s, now) throws(StoreError) -> Decision<[Item?]> in
            var observed: UInt64 = 0
            var items: [Item?] = []
            for (table, key) in keys {
                let data = try Self.table(table, in: s)
                let (item, lsn) = Self.visibleItem(data, try data.schema.key(fromKeyAttributes: key), now)
                observed = max(observed, lsn)
                items.append(item)
            }
            return .answer(items, observedLSN: observed)
        }
    }
}
