import Journal

/// What the broker writes to its journal. Each record is the outcome of a decision (which messages a
/// receive delivered, which ids a send assigned), so replay needs no clock and makes the same state.
enum BrokerRecord: Sendable {
    case createQueue(QueueConfiguration)
    case configureQueue(QueueConfiguration)
    case deleteQueue(String)
    /// Messages entering queues: one send, a batch, or a publish's fan-out (all or nothing).
    case send(atMillis: Int64, entries: [(queue: String, message: IncomingMessage)])
    case receive(queue: String, atMillis: Int64, delivered: [Delivery], moved: [String], deadLetterQueue: String?, expired: [String])
    case delete(queue: String, ids: [String])
    case changeVisibility(queue: String, id: String, visibleAtMillis: Int64)
    case purge(String)
    case expire(queue: String, ids: [String])
    case redrive(from: String, atMillis: Int64, moves: [(id: String, to: String)])
    case createTopic(String)
    case deleteTopic(String)
    case subscribe(Subscription)
    case unsubscribe(topic: String, id: String)
}

/// Binary form of `BrokerRecord`, queue configurations, messages and filter policies.
enum BrokerCodec {
    private enum Tag: UInt8 {
        case createQueue = 1, configureQueue, deleteQueue, send, receive, delete, changeVisibility, purge, expire, redrive
        case createTopic, deleteTopic, subscribe, unsubscribe
    }

    static func encode(_ record: BrokerRecord) -> [UInt8] {
        var w = ByteWriter()
        switch record {
        case .createQueue(let configuration):
            w.byte(Tag.createQueue.rawValue)
            write(configuration, to: &w)
        case .configureQueue(let configuration):
            w.byte(Tag.configureQueue.rawValue)
            write(configuration, to: &w)
        case .deleteQueue(let name):
            w.byte(Tag.deleteQueue.rawValue)
            w.string(name)
        case let .send(atMillis, entries):
            w.byte(Tag.send.rawValue)
            w.signed(atMillis)
            w.varint(entries.count)
            for (queue, message) in entries {
                w.string(queue)
                write(message, to: &w)
            }
        case let .receive(queue, atMillis, delivered, moved, deadLetterQueue, expired):
            w.byte(Tag.receive.rawValue)
            w.string(queue)
            w.signed(atMillis)
            w.varint(delivered.count)
            for delivery in delivered {
                w.string(delivery.id)
                w.varint(delivery.receiveCount)
                w.signed(delivery.visibleAtMillis)
            }
            writeStrings(moved, to: &w)
            w.optionalString(deadLetterQueue)
            writeStrings(expired, to: &w)
        case let .delete(queue, ids):
            w.byte(Tag.delete.rawValue)
            w.string(queue)
            writeStrings(ids, to: &w)
        case let .changeVisibility(queue, id, visibleAtMillis):
            w.byte(Tag.changeVisibility.rawValue)
            w.string(queue)
            w.string(id)
            w.signed(visibleAtMillis)
        case .purge(let queue):
            w.byte(Tag.purge.rawValue)
            w.string(queue)
        case let .expire(queue, ids):
            w.byte(Tag.expire.rawValue)
            w.string(queue)
            writeStrings(ids, to: &w)
        case let .redrive(from, atMillis, moves):
            w.byte(Tag.redrive.rawValue)
            w.string(from)
            w.signed(atMillis)
            w.varint(moves.count)
            for (id, to) in moves {
                w.string(id)
                w.string(to)
            }
        case .createTopic(let name):
            w.byte(Tag.createTopic.rawValue)
            w.string(name)
        case .deleteTopic(let name):
            w.byte(Tag.deleteTopic.rawValue)
            w.string(name)
        case .subscribe(let subscription):
            w.byte(Tag.subscribe.rawValue)
            write(subscription, to: &w)
        case let .unsubscribe(topic, id):
            w.byte(Tag.unsubscribe.rawValue)
            w.string(topic)
            w.string(id)
        }
        return w.bytes
    }

    static func decode(_ bytes: UnsafeRawBufferPointer) throws(DecodingError) -> BrokerRecord {
        var r = ByteReader(bytes)
        guard let tag = Tag(rawValue: try r.byte()) else { throw DecodingError(message: "unknown broker record tag") }
        let record: BrokerRecord
        switch tag {
        case .createQueue: record = .createQueue(try readConfiguration(&r))
        case .configureQueue: record = .configureQueue(try readConfiguration(&r))
        case .deleteQueue: record = .deleteQueue(try r.string())
        case .send:
            let at = try r.signed()
            let count = try r.count()
            var entries: [(String, IncomingMessage)] = []
            for _ in 0..<count { entries.append((try r.string(), try readIncoming(&r))) }
            record = .send(atMillis: at, entries: entries)
        case .receive:
            let queue = try r.string()
            let at = try r.signed()
            let count = try r.count()
            var delivered: [Delivery] = []
            for _ in 0..<count { delivered.append(Delivery(id: try r.string(), receiveCount: try r.integer(), visibleAtMillis: try r.signed())) }
            let moved = try readStrings(&r)
            let deadLetterQueue = try r.optionalString()
            record = .receive(queue: queue, atMillis: at, delivered: delivered, moved: moved, deadLetterQueue: deadLetterQueue,
                              expired: try readStrings(&r))
        case .delete: record = .delete(queue: try r.string(), ids: try readStrings(&r))
        case .changeVisibility: record = .changeVisibility(queue: try r.string(), id: try r.string(), visibleAtMillis: try r.signed())
        case .purge: record = .purge(try r.string())
        case .expire: record = .expire(queue: try r.string(), ids: try readStrings(&r))
        case .redrive:
            let from = try r.string()
            let at = try r.signed()
            let count = try r.count()
            var moves: [(String, String)] = []
            for _ in 0..<count { moves.append((try r.string(), try r.string())) }
            record = .redrive(from: from, atMillis: at, moves: moves)
        case .createTopic: record = .createTopic(try r.string())
        case .deleteTopic: record = .deleteTopic(try r.string())
        case .subscribe: record = .subscribe(try readSubscription(&r))
        case .unsubscribe: record = .unsubscribe(topic: try r.string(), id: try r.string())
        }
        guard r.isAtEnd else { throw DecodingError(message: "trailing bytes after broker record") }
        return record
    }

    // MARK: Parts

    static func writeStrings(_ values: [String], to w: inout ByteWriter) {
        w.varint(values.count)
        for value in values { w.string(value) }
    }

    static func readStrings(_ r: inout ByteReader) throws(DecodingError) -> [String] {
        let count = try r.count()
        var values: [String] = []
        values.reserveCapacity(count)
        for _ in 0..<count { values.append(try r.string()) }
        return values
    }

    static func write(_ c: QueueConfiguration, to w: inout ByteWriter) {
        w.string(c.name)
        w.fixed64(c.visibilityTimeout.bitPattern)
        w.fixed64(c.messageRetention.bitPattern)
        w.fixed64(c.delay.bitPattern)
        w.varint(c.maximumMessageBytes)
        w.fixed64(c.receiveWaitTime.bitPattern)
        w.optionalString(c.redrivePolicy?.deadLetterQueue)
        w.varint(c.redrivePolicy?.maxReceiveCount ?? 0)
        w.byte(c.contentBasedDeduplication ? 1 : 0)
    }

    static func readConfiguration(_ r: inout ByteReader) throws(DecodingError) -> QueueConfiguration {
        var c = QueueConfiguration(name: try r.string())
        c.visibilityTimeout = Double(bitPattern: try r.fixed64())
        c.messageRetention = Double(bitPattern: try r.fixed64())
        c.delay = Double(bitPattern: try r.fixed64())
        c.maximumMessageBytes = try r.integer()
        c.receiveWaitTime = Double(bitPattern: try r.fixed64())
        let deadLetterQueue = try r.optionalString()
        let maxReceives = try r.integer()
        if let deadLetterQueue { c.redrivePolicy = RedrivePolicy(deadLetterQueue: deadLetterQueue, maxReceiveCount: maxReceives) }
        c.contentBasedDeduplication = try r.byte() == 1
        return c
    }

    static func write(_ attributes: [String: MessageAttributeValue], to w: inout ByteWriter) {
        w.varint(attributes.count)
        for (name, value) in attributes {
            w.string(name)
            switch value {
            case .string(let s):
                w.byte(0)
                w.string(s)
            case .number(let s):
                w.byte(1)
                w.string(s)
            case .binary(let b):
                w.byte(2)
                w.data(b)
            }
        }
    }

    static func readAttributes(_ r: inout ByteReader) throws(DecodingError) -> [String: MessageAttributeValue] {
        let count = try r.count()
        var attributes: [String: MessageAttributeValue] = [:]
        for _ in 0..<count {
            let name = try r.string()
            switch try r.byte() {
            case 0: attributes[name] = .string(try r.string())
            case 1: attributes[name] = .number(try r.string())
            case 2: attributes[name] = .binary(try r.data())
            default: throw DecodingError(message: "unknown attribute type")
            }
        }
        return attributes
    }

    static func write(_ m: IncomingMessage, to w: inout ByteWriter) {
        w.string(m.id)
        w.string(m.body)
        write(m.attributes, to: &w)
        w.signed(m.sentAtMillis)
        w.signed(m.visibleAtMillis)
        w.varint(m.receiveCount)
        w.optionalString(m.groupID)
        w.optionalString(m.deduplicationID)
        w.optionalString(m.sourceQueue)
    }

    static func readIncoming(_ r: inout ByteReader) throws(DecodingError) -> IncomingMessage {
        IncomingMessage(id: try r.string(), body: try r.string(), attributes: try readAttributes(&r), sentAtMillis: try r.signed(),
                        visibleAtMillis: try r.signed(), receiveCount: try r.integer(), groupID: try r.optionalString(),
                        deduplicationID: try r.optionalString(), sourceQueue: try r.optionalString())
    }

    static func write(_ s: Subscription, to w: inout ByteWriter) {
        w.string(s.id)
        w.string(s.topic)
        w.string(s.queue)
        w.varint(s.filter.rules.count)
        for (name, rules) in s.filter.rules {
            w.string(name)
            w.varint(rules.count)
            for rule in rules {
                switch rule {
                case .equals(let text):
                    w.byte(0)
                    w.string(text)
                case .equalsNumber(let number):
                    w.byte(1)
                    w.fixed64(number.bitPattern)
                case .prefix(let text):
                    w.byte(2)
                    w.string(text)
                case let .anythingBut(strings, numbers):
                    w.byte(3)
                    writeStrings(strings, to: &w)
                    w.varint(numbers.count)
                    for number in numbers { w.fixed64(number.bitPattern) }
                case .numeric(let comparisons):
                    w.byte(4)
                    w.varint(comparisons.count)
                    for comparison in comparisons {
                        w.string(comparison.op.rawValue)
                        w.fixed64(comparison.value.bitPattern)
                    }
                case .exists(let flag):
                    w.byte(5)
                    w.byte(flag ? 1 : 0)
                }
            }
        }
    }

    static func readSubscription(_ r: inout ByteReader) throws(DecodingError) -> Subscription {
        let id = try r.string(), topic = try r.string(), queue = try r.string()
        let count = try r.count()
        var rules: [String: [FilterRule]] = [:]
        for _ in 0..<count {
            let name = try r.string()
            let ruleCount = try r.count()
            var list: [FilterRule] = []
            for _ in 0..<ruleCount {
                switch try r.byte() {
                case 0: list.append(.equals(try r.string()))
                case 1: list.append(.equalsNumber(Double(bitPattern: try r.fixed64())))
                case 2: list.append(.prefix(try r.string()))
                case 3:
                    let strings = try readStrings(&r)
                    let numberCount = try r.count()
                    var numbers: [Double] = []
                    for _ in 0..<numberCount { numbers.append(Double(bitPattern: try r.fixed64())) }
                    list.append(.anythingBut(strings: strings, numbers: numbers))
                case 4:
                    let comparisonCount = try r.count()
                    var comparisons: [FilterRule.NumericComparison] = []
                    for _ in 0..<comparisonCount {
                        guard let op = FilterRule.NumericComparison.Operator(rawValue: try r.string()) else {
                            throw DecodingError(message: "unknown numeric operator")
                        }
                        comparisons.append(.init(op, Double(bitPattern: try r.fixed64())))
                    }
                    list.append(.numeric(comparisons))
                case 5: list.append(.exists(try r.byte() == 1))
                default: throw DecodingError(message: "unknown filter rule")
                }
            }
            rules[name] = list
        }
        return Subscription(id: id, topic: topic, queue: queue, filter: FilterPolicy(rules))
    }
}
