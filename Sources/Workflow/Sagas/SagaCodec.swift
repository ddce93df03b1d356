import Foundation
import Journal

/// Binary form of saga records and snapshots.
enum SagaCodec {
    static func encode(_ record: SagaRecord) -> [UInt8] {
        var w = ByteWriter()
        write(record, to: &w)
        return w.bytes
    }

    private static func write(_ record: SagaRecord, to w: inout ByteWriter) {
        switch record {
        case let .started(id, saga, steps, input, failAt, at, entering):
            // 12: the same fields, the first step entered with the start (journals before it hold only 1).
            w.byte(entering ? 12 : 1)
            w.string(id)
            w.string(saga)
            w.varint(steps.count)
            for step in steps { w.string(step) }
            w.varint(input.count)
            for (key, value) in input.sorted(by: { $0.key < $1.key }) {
                w.string(key)
                w.string(value)
            }
            w.optionalString(failAt)
            w.signed(at)
        case let .entered(id, step, attempt, at):
            w.byte(2)
            w.string(id)
            w.varint(step)
            w.varint(attempt)
            w.signed(at)
        case let .attemptFailed(id, step, attempt, error, retryAt, at):
            w.byte(3)
            writeFailure(id, step, attempt, error, retryAt, at, to: &w)
        case let .succeeded(id, step, at):
            w.byte(4)
            w.string(id)
            w.varint(step)
            w.signed(at)
        case let .compensationStarted(id, reason, at):
            w.byte(5)
            w.string(id)
            w.string(reason)
            w.signed(at)
        case let .compensationEntered(id, step, attempt, at):
            w.byte(6)
            w.string(id)
            w.varint(step)
            w.varint(attempt)
            w.signed(at)
        case let .compensationFailed(id, step, attempt, error, retryAt, at):
            w.byte(7)
            writeFailure(id, step, attempt, error, retryAt, at, to: &w)
        case let .compensated(id, step, detail, at):
            w.byte(8)
            w.string(id)
            w.varint(step)
            w.optionalString(detail)
            w.signed(at)
        case let .finished(id, state, detail, at):
            w.byte(9)
            w.string(id)
            w.string(state.rawValue)
            w.optionalString(detail)
            w.signed(at)
        case let .redriven(id, at):
            w.byte(10)
            w.string(id)
            w.signed(at)
        case let .advanced(id, step, next, attempt, at):
            w.byte(11)
            w.string(id)
            w.varint(step)
            w.byte(next == nil ? 0 : 1)
            if let next { w.varint(next) }
            w.varint(attempt)
            w.signed(at)
        case let .batch(records):
            // 13: a count, then the records one after another (each reads to its own end; none is a batch).
            w.byte(13)
            w.varint(records.count)
            for inner in records { write(inner, to: &w) }
        }
    }

    private static func writeFailure(_ id: String, _ step: Int, _ attempt: Int, _ error: String, _ retryAt: Int64?, _ at: Int64, to w: inout ByteWriter) {
        w.string(id)
        w.varint(step)
        w.varint(attempt)
        w.string(error)
        w.byte(retryAt == nil ? 0 : 1)
        if let retryAt { w.signed(retryAt) }
        w.signed(at)
    }

    static func decode(_ bytes: UnsafeRawBufferPointer) throws(DecodingError) -> SagaRecord {
        var r = ByteReader(bytes)
        let record = try read(&r)
        guard r.isAtEnd else { throw DecodingError(message: "trailing bytes after saga record") }
        return record
    }

    static func read(_ r: inout ByteReader, inBatch: Bool = false) throws(DecodingError) -> SagaRecord {
        switch try r.byte() {
        case 13 where !inBatch:
            // Never nested, so reading one is bounded by its bytes, not by a depth the file chooses.
            let count = try r.count()
            guard count > 0 else { throw DecodingError(message: "empty saga record batch") }
            var records: [SagaRecord] = []
            for _ in 0..<count { records.append(try read(&r, inBatch: true)) }
            guard Set(records.map(\.runID)).count == 1 else { throw DecodingError(message: "a saga record batch spans runs") }
            return .batch(records)
        case let tag where tag == 1 || tag == 12:
            let id = try r.string(), saga = try r.string()
            let stepCount = try r.count()
            var steps: [String] = []
            for _ in 0..<stepCount { steps.append(try r.string()) }
            let inputCount = try r.count()
            var input: [String: String] = [:]
            for _ in 0..<inputCount { input[try r.string()] = try r.string() }
            return .started(runID: id, saga: saga, steps: steps, input: input, failAt: try r.optionalString(), atMillis: try r.signed(),
                            entering: tag == 12)
        case 2: return .entered(runID: try r.string(), step: try r.integer(), attempt: try r.integer(), atMillis: try r.signed())
        case 3:
            let (id, step, attempt, error, retryAt, at) = try readFailure(&r)
            return .attemptFailed(runID: id, step: step, attempt: attempt, error: error, retryAtMillis: retryAt, atMillis: at)
        case 4: return .succeeded(runID: try r.string(), step: try r.integer(), atMillis: try r.signed())
        case 5: return .compensationStarted(runID: try r.string(), reason: try r.string(), atMillis: try r.signed())
        case 6: return .compensationEntered(runID: try r.string(), step: try r.integer(), attempt: try r.integer(), atMillis: try r.signed())
        case 7:
            let (id, step, attempt, error, retryAt, at) = try readFailure(&r)
            return .compensationFailed(runID: id, step: step, attempt: attempt, error: error, retryAtMillis: retryAt, atMillis: at)
        case 8: return .compensated(runID: try r.string(), step: try r.integer(), detail: try r.optionalString(), atMillis: try r.signed())
        case 9:
            let id = try r.string()
            guard let state = RunState(rawValue: try r.string()) else { throw DecodingError(message: "unknown run state") }
            return .finished(runID: id, state: state, detail: try r.optionalString(), atMillis: try r.signed())
        case 10: return .redriven(runID: try r.string(), atMillis: try r.signed())
        case 11:
            let id = try r.string(), step = try r.integer()
            let next: Int? = try r.byte() == 1 ? try r.integer() : nil
            return .advanced(runID: id, step: step, next: next, attempt: try r.integer(), atMillis: try r.signed())
        default: throw DecodingError(message: "unknown saga record")
        }
    }

    private static func readFailure(_ r: inout ByteReader) throws(DecodingError) -> (String, Int, Int, String, Int64?, Int64) {
        let id = try r.string(), step = try r.integer(), attempt = try r.integer(), error = try r.string()
        let retryAt: Int64? = try r.byte() == 1 ? try r.signed() : nil
        return (id, step, attempt, error, retryAt, try r.signed())
    }

    static func writeSnapshot(_ state: SagaState, to w: inout ByteWriter) {
        w.varint(state.order.count)
        for id in state.order {
            guard let run = state.runs[id] else { continue }
            w.string(run.runID)
            w.string(run.saga)
            w.string(run.state.rawValue)
            w.byte(run.failedWhileCompensating ? 1 : 0)
            w.varint(run.steps.count)
            for step in run.steps {
                w.string(step.name)
                w.string(step.state.rawValue)
                w.varint(step.attempts)
                w.varint(step.compensationAttempts)
                w.optionalString(step.error)
            }
            w.varint(run.history.count)
            for event in run.history {
                w.fixed64(event.at.timeIntervalSince1970.bitPattern)
                w.string(event.type)
                w.optionalString(event.step)
                w.optionalString(event.detail)
            }
            w.varint(run.input.count)
            for (key, value) in run.input.sorted(by: { $0.key < $1.key }) {
                w.string(key)
                w.string(value)
            }
            w.optionalString(run.failAt)
            w.fixed64(run.startedAt.timeIntervalSince1970.bitPattern)
            w.byte(run.endedAt == nil ? 0 : 1)
            if let ended = run.endedAt { w.fixed64(ended.timeIntervalSince1970.bitPattern) }
        }
    }

    static func readSnapshot(_ body: UnsafeRawBufferPointer) throws(DecodingError) -> SagaState {
        var r = ByteReader(body)
        var state = SagaState()
        let count = try r.count()
        for _ in 0..<count {
            let id = try r.string(), saga = try r.string()
            guard let runState = RunState(rawValue: try r.string()) else { throw DecodingError(message: "unknown run state") }
            let failedWhileCompensating = try r.byte() == 1
            let stepCount = try r.count()
            var steps: [StepStatus] = []
            for _ in 0..<stepCount {
                let name = try r.string()
                guard let stepState = StepState(rawValue: try r.string()) else { throw DecodingError(message: "unknown step state") }
                steps.append(StepStatus(name: name, state: stepState, attempts: try r.integer(), compensationAttempts: try r.integer(), error: try r.optionalString()))
            }
            let eventCount = try r.count()
            var history: [RunEvent] = []
            for _ in 0..<eventCount {
                history.append(RunEvent(at: Date(timeIntervalSince1970: Double(bitPattern: try r.fixed64())), type: try r.string(),
                                        step: try r.optionalString(), detail: try r.optionalString()))
            }
            let inputCount = try r.count()
            var input: [String: String] = [:]
            for _ in 0..<inputCount { input[try r.string()] = try r.string() }
            let failAt = try r.optionalString()
            let started = Date(timeIntervalSince1970: Double(bitPattern: try r.fixed64()))
            let ended: Date? = try r.byte() == 1 ? Date(timeIntervalSince1970: Double(bitPattern: try r.fixed64())) : nil
            var run = SagaRun(runID: id, saga: saga, state: runState, steps: steps, history: history, input: input, failAt: failAt,
                              startedAt: started, endedAt: ended)
            run.failedWhileCompensating = failedWhileCompensating
            state.runs[id] = run
            state.order.append(id)
        }
        guard r.isAtEnd else { throw DecodingError(message: "trailing bytes in saga snapshot") }
        return state
    }
}
