/// Where a queue sends messages it has failed to process `maxReceiveCount` times.
public struct RedrivePolicy: Sendable, Hashable {
    public var deadLetterQueue: String
    public var maxReceiveCount: Int

    public init(deadLetterQueue: String, maxReceiveCount: Int) {
        self.deadLetterQueue = deadLetterQueue
        self.maxReceiveCount = maxReceiveCount
    }
}

/// A queue's settings, with SQS's defaults and limits.
public struct QueueConfiguration: Sendable, Hashable {
    public var name: String
    /// Seconds a received message stays invisible to other receivers (SQS: 30, 0…43 200).
    public var visibilityTimeout: Double = 30
    /// Seconds a message is kept before it is dropped (SQS: 4 days, 60 s…14 days).
    public var messageRetention: Double = 4 * 86_400
    /// Seconds every new message waits before it can be received (0…900).
    public var delay: Double = 0
    /// Largest body plus attributes, in bytes (SQS: 256 KiB, 1 KiB…256 KiB).
    public var maximumMessageBytes = 256 * 1024
    /// Default long-poll wait for receives that do not give one (0…20 s).
    public var receiveWaitTime: Double = 0
    public var redrivePolicy: RedrivePolicy?
    /// FIFO only: when no deduplication id is given, use SHA-256 of the body.
    public var contentBasedDeduplication = false

    public init(name: String) { self.name = name }

    /// FIFO queues are the ones whose names end in `.fifo`, as in SQS.
    public var isFIFO: Bool { name.hasSuffix(".fifo") }

    func validate() throws(BrokerError) {
        let base = isFIFO ? String(name.dropLast(5)) : name
        let allowed = base.utf8.allSatisfy { c in
            (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
                || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "-") || c == UInt8(ascii: "_")
        }
        guard !base.isEmpty, name.utf8.count <= 80, allowed else {
            throw .validation("queue name \"\(name)\" must be 1 to 80 characters of letters, digits, '-' and '_' (FIFO queues end in \".fifo\")")
        }
        try Self.check("visibility timeout", visibilityTimeout, 0...43_200)
        try Self.check("message retention", messageRetention, 60...1_209_600)
        try Self.check("delay", delay, 0...900)
        try Self.check("receive wait time", receiveWaitTime, 0...20)
        guard (1024...262_144).contains(maximumMessageBytes) else {
            throw .validation("maximum message size must be 1024 to 262144 bytes, got \(maximumMessageBytes)")
        }
        if let redrive = redrivePolicy {
            guard (1...1000).contains(redrive.maxReceiveCount) else {
                throw .validation("maxReceiveCount must be 1 to 1000, got \(redrive.maxReceiveCount)")
            }
            guard redrive.deadLetterQueue != name else { throw .validation("a queue cannot be its own dead-letter queue") }
            guard redrive.deadLetterQueue.hasSuffix(".fifo") == isFIFO else {
                throw .validation("the dead-letter queue of a \(isFIFO ? "FIFO" : "standard") queue must be \(isFIFO ? "FIFO" : "standard") too")
            }
        }
        if contentBasedDeduplication && !isFIFO {
            throw .validation("content-based deduplication applies to FIFO queues only")
        }
    }

    static func check(_ what: String, _ value: Double, _ range: ClosedRange<Double>) throws(BrokerError) {
        guard value.isFinite, range.contains(value) else {
            throw .validation("\(what) must be \(Int(range.lowerBound)) to \(Int(range.upperBound)) seconds, got \(value)")
        }
    }
}
