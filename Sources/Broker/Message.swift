/// A message attribute value, typed as SQS and SNS type them.
public enum MessageAttributeValue: Sendable, Hashable {
    case string(String)
    /// A number, kept as its text (SQS numbers are decimal strings).
    case number(String)
    case binary([UInt8])

    var byteCount: Int {
        switch self {
        case .string(let s), .number(let s): s.utf8.count
        case .binary(let b): b.count
        }
    }
}

/// A message to send.
public struct OutgoingMessage: Sendable, Hashable {
    public var body: String
    public var attributes: [String: MessageAttributeValue]
    /// Standard queues only: seconds before the message can be received (overrides the queue's delay).
    public var delaySeconds: Double?
    /// FIFO queues: messages of one group are delivered strictly in order, one at a time.
    public var groupID: String?
    /// FIFO queues: a second message with the same id within 5 minutes is accepted but not enqueued.
    public var deduplicationID: String?

    public init(body: String, attributes: [String: MessageAttributeValue] = [:], delaySeconds: Double? = nil,
                groupID: String? = nil, deduplicationID: String? = nil) {
        self.body = body
        self.attributes = attributes
        self.delaySeconds = delaySeconds
        self.groupID = groupID
        self.deduplicationID = deduplicationID
    }

    /// Body plus attribute names and values, as SQS measures a message.
    var byteCount: Int {
        body.utf8.count + attributes.reduce(0) { $0 + $1.key.utf8.count + $1.value.byteCount }
    }
}

/// What `send` reports for one message.
public struct SendResult: Sendable, Hashable {
    public var messageID: String
    /// FIFO queues: the message's position in the queue.
    public var sequenceNumber: UInt64?
    /// FIFO queues: true when the deduplication id had been seen within 5 minutes and nothing was enqueued.
    public var wasDuplicate: Bool

    public init(messageID: String, sequenceNumber: UInt64? = nil, wasDuplicate: Bool = false) {
        self.messageID = messageID
        self.sequenceNumber = sequenceNumber
        self.wasDuplicate = wasDuplicate
    }
}

/// A received message.
public struct ReceivedMessage: Sendable, Hashable {
    public var messageID: String
    /// Needed to delete the message or change its visibility; valid until the next receive of this message.
    public var receiptHandle: String
    public var body: String
    public var attributes: [String: MessageAttributeValue]
    /// How many times the message has been received, this time included.
    public var receiveCount: Int
    /// When the message was sent, milliseconds since the epoch.
    public var sentAtMillis: Int64
    public var groupID: String?
    public var sequenceNumber: UInt64?

    public init(messageID: String, receiptHandle: String, body: String, attributes: [String: MessageAttributeValue] = [:], receiveCount: Int,
                sentAtMillis: Int64, groupID: String? = nil, sequenceNumber: UInt64? = nil) {
        self.messageID = messageID
        self.receiptHandle = receiptHandle
        self.body = body
        self.attributes = attributes
        self.receiveCount = receiveCount
        self.sentAtMillis = sentAtMillis
        self.groupID = groupID
        self.sequenceNumber = sequenceNumber
    }
}
