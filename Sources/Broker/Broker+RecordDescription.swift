/// What a journal record of the broker touched, for `shopdeck repair` to say what a lost record held.
extension Broker {
    /// The queue or topic and messages a record changed; nil when the bytes do not decode as a broker record.
    public static func describeJournalRecord(_ payload: [UInt8]) -> [String]? {
        guard let record: BrokerRecord = try? payload.withUnsafeBytes({ raw in try BrokerCodec.decode(raw) }) else { return nil }
        switch record {
        case let .send(_, entries): return entries.map { "send to \($0.queue)" }
        case let .receive(queue, _, delivered, _, _, _): return ["receive \(delivered.count) message(s) from \(queue)"]
        case let .delete(queue, ids): return ids.map { "delete message \($0) from \(queue)" }
        case let .changeVisibility(queue, id, _): return ["change visibility of \(id) in \(queue)"]
        case .purge(let queue): return ["purge \(queue)"]
        case let .expire(queue, ids): return ["expire \(ids.count) message(s) in \(queue)"]
        case let .redrive(from, _, moves): return ["redrive \(moves.count) message(s) from \(from)"]
        default: return [String(describing: record).prefix(120).description]
        }
    }
}
