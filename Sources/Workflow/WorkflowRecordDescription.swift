/// What a journal record of the saga engine or the scheduler held, for `shopdeck repair` to say what a lost
/// record was about.
extension SagaEngine {
    /// The record as text (run, step, what happened); nil when the bytes do not decode as a saga record.
    public static func describeJournalRecord(_ payload: [UInt8]) -> [String]? {
        guard let record = try? payload.withUnsafeBytes({ raw in try SagaCodec.decode(raw) }) else { return nil }
        return [String(String(describing: record).prefix(200))]
    }
}

extension Scheduler {
    /// The record as text (schedule, fire); nil when the bytes do not decode as a scheduler record.
    public static func describeJournalRecord(_ payload: [UInt8]) -> [String]? {
        guard let record = try? payload.withUnsafeBytes({ raw in try SchedulerCodec.decode(raw) }) else { return nil }
        return [String(String(describing: record).prefix(200))]
    }
}
