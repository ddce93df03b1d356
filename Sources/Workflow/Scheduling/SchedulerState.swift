import Foundation
import Journal

/// One schedule's durable state.
struct ScheduleRecord: Sendable {
    var definition: ScheduleDefinition
    /// Where rate schedules count from (when the expression was last set).
    var anchorMillis: Int64
    var lastScheduledAtMillis: Int64?
    var lastOutcome: String?
    var completed = false

    /// The first fire after the last one handled (or from the anchor).
    func nextFire() -> Date? {
        guard !completed else { return nil }
        let anchor = Date(timeIntervalSince1970: Double(anchorMillis) / 1000)
        // Before the first fire, look from just before the anchor, so a rate fires at its start.
        let after = lastScheduledAtMillis.map { Date(timeIntervalSince1970: Double($0) / 1000) } ?? anchor.addingTimeInterval(-0.001)
        return definition.expression.nextFire(after: after, start: anchor, timeZone: definition.timeZone)
    }
}

/// What the scheduler writes to its journal.
enum SchedulerRecord: Sendable {
    case define(ScheduleDefinition, anchorMillis: Int64)
    case remove(String)
    /// A fire was handled: `outcome` is "succeeded", "dead-lettered: …" or "skipped: …".
    case handled(schedule: String, scheduledAtMillis: Int64, outcome: String, attempts: Int, atMillis: Int64)
}

/// Everything the scheduler remembers; rebuilt from its journal.
struct SchedulerState: Sendable {
    static let deadLetterLimit = 1000

    var schedules: [String: ScheduleRecord] = [:]
    var deadLetters: [ScheduleDeadLetter] = []
    var appliedLSN: UInt64 = 0

    mutating func apply(_ record: SchedulerRecord, lsn: UInt64) {
        appliedLSN = lsn
        switch record {
        case let .define(definition, anchor):
            var entry = schedules[definition.name] ?? ScheduleRecord(definition: definition, anchorMillis: anchor)
            if entry.definition.expression != definition.expression {
                entry.lastScheduledAtMillis = nil
                entry.completed = false
            }
            entry.definition = definition
            entry.anchorMillis = anchor
            schedules[definition.name] = entry
        case .remove(let name):
            schedules[name] = nil
        case let .handled(name, scheduledAt, outcome, attempts, at):
            guard var entry = schedules[name] else { return }
            entry.lastScheduledAtMillis = max(entry.lastScheduledAtMillis ?? Int64.min, scheduledAt)
            entry.lastOutcome = outcome
            if case .at = entry.definition.expression { entry.completed = true }
            schedules[name] = entry
            if outcome.hasPrefix("dead-lettered") {
                deadLetters.append(ScheduleDeadLetter(schedule: name, scheduledAt: Date(timeIntervalSince1970: Double(scheduledAt) / 1000),
                                                      attempts: attempts, error: String(outcome.dropFirst("dead-lettered: ".count)),
                                                      recordedAt: Date(timeIntervalSince1970: Double(at) / 1000)))
                if deadLetters.count > Self.deadLetterLimit { deadLetters.removeFirst(deadLetters.count - Self.deadLetterLimit) }
            }
        }
    }
}

/// Binary form of scheduler records and snapshots.
enum SchedulerCodec {
    static func encode(_ record: SchedulerRecord) -> [UInt8] {
        var w = ByteWriter()
        switch record {
        case let .define(definition, anchor):
            w.byte(1)
            write(definition, to: &w)
            w.signed(anchor)
        case .remove(let name):
            w.byte(2)
            w.string(name)
        case let .handled(name, scheduledAt, outcome, attempts, at):
            w.byte(3)
            w.string(name)
            w.signed(scheduledAt)
            w.string(outcome)
            w.varint(attempts)
            w.signed(at)
        }
        return w.bytes
    }

    static func decode(_ bytes: UnsafeRawBufferPointer) throws(DecodingError) -> SchedulerRecord {
        var r = ByteReader(bytes)
        let record: SchedulerRecord
        switch try r.byte() {
        case 1: record = .define(try readDefinition(&r), anchorMillis: try r.signed())
        case 2: record = .remove(try r.string())
        case 3: record = .handled(schedule: try r.string(), scheduledAtMillis: try r.signed(), outcome: try r.string(),
                                  attempts: try r.integer(), atMillis: try r.signed())
        default: throw DecodingError(message: "unknown scheduler record")
        }
        guard r.isAtEnd else { throw DecodingError(message: "trailing bytes after scheduler record") }
        return record
    }

    static func write(_ d: ScheduleDefinition, to w: inout ByteWriter) {
        w.string(d.name)
        w.string(d.expression.description)
        w.string(d.timeZone.identifier)
        w.byte(d.enabled ? 1 : 0)
        w.string(d.missedFires.rawValue)
        w.fixed64(d.maximumEventAge.bitPattern)
        w.varint(d.maximumRetryAttempts)
    }

    static func readDefinition(_ r: inout ByteReader) throws(DecodingError) -> ScheduleDefinition {
        let name = try r.string(), text = try r.string(), zoneName = try r.string()
        let enabled = try r.byte() == 1
        let missedText = try r.string()
        let age = Double(bitPattern: try r.fixed64())
        let retries = try r.integer()
        guard let expression = try? ScheduleExpression(parsing: text), let zone = TimeZone(identifier: zoneName),
              let missed = MissedFirePolicy(rawValue: missedText) else { throw DecodingError(message: "bad schedule definition \(name)") }
        return ScheduleDefinition(name: name, expression: expression, timeZone: zone, enabled: enabled, missedFires: missed,
                                  maximumEventAge: age, maximumRetryAttempts: retries)
    }

    static func writeSnapshot(_ state: SchedulerState, to w: inout ByteWriter) {
        w.varint(state.schedules.count)
        for entry in state.schedules.values.sorted(by: { $0.definition.name < $1.definition.name }) {
            write(entry.definition, to: &w)
            w.signed(entry.anchorMillis)
            w.byte(entry.lastScheduledAtMillis == nil ? 0 : 1)
            if let last = entry.lastScheduledAtMillis { w.signed(last) }
            w.optionalString(entry.lastOutcome)
            w.byte(entry.completed ? 1 : 0)
        }
        w.varint(state.deadLetters.count)
        for letter in state.deadLetters {
            w.string(letter.schedule)
            w.fixed64(letter.scheduledAt.timeIntervalSince1970.bitPattern)
            w.varint(letter.attempts)
            w.string(letter.error)
            w.fixed64(letter.recordedAt.timeIntervalSince1970.bitPattern)
        }
    }

    static func readSnapshot(_ body: UnsafeRawBufferPointer) throws(DecodingError) -> SchedulerState {
        var r = ByteReader(body)
        var state = SchedulerState()
        let count = try r.count()
        for _ in 0..<count {
            let definition = try readDefinition(&r)
            var entry = ScheduleRecord(definition: definition, anchorMillis: try r.signed())
            if try r.byte() == 1 { entry.lastScheduledAtMillis = try r.signed() }
            entry.lastOutcome = try r.optionalString()
            entry.completed = try r.byte() == 1
            state.schedules[definition.name] = entry
        }
        let letters = try r.count()
        for _ in 0..<letters {
            state.deadLetters.append(ScheduleDeadLetter(schedule: try r.string(), scheduledAt: Date(timeIntervalSince1970: Double(bitPattern: try r.fixed64())),
                                                        attempts: try r.integer(), error: try r.string(),
                                                        recordedAt: Date(timeIntervalSince1970: Double(bitPattern: try r.fixed64()))))
        }
        guard r.isAtEnd else { throw DecodingError(message: "trailing bytes in scheduler snapshot") }
        return state
    }
}
