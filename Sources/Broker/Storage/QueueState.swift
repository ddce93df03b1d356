import Telemetry

/// One FIFO message group: its messages in order, and the one in flight, if any.
struct MessageGroup: Sendable {
    var ids: [String] = []
    var head = 0
    var inFlight: String?

    var isEmpty: Bool { head >= ids.count }
    var first: String? { isEmpty ? nil : ids[head] }

    mutating func remove(_ id: String) {
        if first == id {
            head += 1
        } else if let index = ids[head...].firstIndex(of: id) {
            ids.remove(at: index)
        }
        if head > 64, head * 2 > ids.count {
            ids.removeFirst(head)
            head = 0
        }
    }
}

/// What a receive will do: deliver some messages, move some to the dead-letter queue, drop expired ones.
struct ReceivePlan: Sendable {
    var delivered: [String] = []
    var moved: [String] = []
    var expired: [String] = []
}

/// A FIFO deduplication entry, remembered for 5 minutes.
struct DeduplicationEntry: Sendable {
    var messageID: String
    var sequence: UInt64
    var expiresAtMillis: Int64
}

/// One queue's messages and the structures that make receiving cheap: a ready list (standard queues) or
/// per-group lists (FIFO), and a timer heap for delayed and in-flight messages. A value, so snapshots copy it.
///
/// Mutations come in two kinds: `promote` turns due timers into visible messages — derived from time, not
/// journaled, and redone after recovery; the others apply journaled changes, identically live and in replay.
struct QueueState: Sendable {
    static let deduplicationWindowMillis: Int64 = 5 * 60 * 1000

    var configuration: QueueConfiguration
    private(set) var messages: [String: StoredMessage] = [:]
    private var ready: [(id: String, token: UInt64)] = []
    private var readyHead = 0
    private var timers = MinHeap<TimerEntry>()
    private var groups: [String: MessageGroup] = [:]
    private var groupOrder: [String] = []
    private var groupCursor = 0
    private var arrival: [String] = []
    private var arrivalHead = 0
    private(set) var deduplication: [String: DeduplicationEntry] = [:]
    private var deduplicationOrder: [String] = []
    private var deduplicationHead = 0
    private(set) var nextSequence: UInt64 = 1
    private var nextReadyToken: UInt64 = 1
    private(set) var delayedCount = 0
    private(set) var visibleCount = 0
    private(set) var inFlightCount = 0
    private(set) var sentTotal = 0
    private(set) var receivedTotal = 0
    private(set) var deletedTotal = 0
    /// What the messages held here weigh, kept as they come and go (as the counts are), so the broker's
    /// snapshot rule reads it without visiting every message under its lock.
    private(set) var liveBytes = 0

    /// A message's weight in `liveBytes`: its body and a fixed allowance for the rest.
    static func liveBytes(of message: StoredMessage) -> Int { message.body.utf8.count + 64 }

    init(configuration: QueueConfiguration) { self.configuration = configuration }

    var isFIFO: Bool { configuration.isFIFO }
    var messageCount: Int { messages.count }

    // MARK: Time

    /// Makes every message whose delay or visibility timeout has run out visible.
    mutating func promote(nowMillis: Int64) {
        while let due = timers.first, due.at <= nowMillis {
            let entry = timers.popFirst()!
            guard var message = messages[entry.id], message.visibleAtMillis == entry.at, message.phase != .visible else { continue }
            let wasInFlight = message.phase == .inFlight
            setPhase(&message, .visible)
            if isFIFO {
                if wasInFlight, let group = message.groupID, groups[group]?.inFlight == message.id { groups[group]?.inFlight = nil }
                messages[message.id] = message
            } else {
                enqueueReady(&message)
                messages[message.id] = message
            }
        }
    }

    /// The earliest time a delayed or in-flight message may become visible (for long-poll deadlines).
    var nextTimerMillis: Int64? { timers.first?.at }

    /// Seconds since the oldest message still in the queue was sent.
    mutating func oldestAgeSeconds(nowMillis: Int64) -> Double {
        skipDeletedArrivals()
        guard arrivalHead < arrival.count, let oldest = messages[arrival[arrivalHead]] else { return 0 }
        return max(0, Double(nowMillis - oldest.sentAtMillis) / 1000)
    }

    /// The messages still in the queue, oldest first, at most `limit` — whatever their phase.
    func oldestMessages(limit: Int) -> [StoredMessage] {
        var found: [StoredMessage] = []
        var index = arrivalHead
        while index < arrival.count, found.count < limit {
            if let message = messages[arrival[index]] { found.append(message) }
            index += 1
        }
        return found
    }

    /// Ids of messages kept past the retention period, oldest first, at most `limit`.
    mutating func expiredMessages(nowMillis: Int64, limit: Int) -> [String] {
        let cutoff = nowMillis - Int64(configuration.messageRetention * 1000)
        var expired: [String] = []
        // Deleted messages leave their ids at the head of `arrival`. Stepping past them for good keeps each
        // pass short: without it, every second's pass walked every message deleted since the queue was
        // created, under the broker's lock (1.1 % of the CPU of a checkout drain, longer each second).
        skipDeletedArrivals()
        var index = arrivalHead
        while index < arrival.count, expired.count < limit {
            if let message = messages[arrival[index]] {
                guard message.sentAtMillis <= cutoff else { break }
                expired.append(message.id)
            }
            index += 1
        }
        return expired
    }

    // MARK: Decisions (read-only)

    /// Chooses what a receive of up to `maximum` messages does now. Call `promote` first.
    func planReceive(maximum: Int, nowMillis: Int64, deadLetterQueueExists: Bool) -> ReceivePlan {
        var plan = ReceivePlan()
        let cutoff = nowMillis - Int64(configuration.messageRetention * 1000)
        let maxReceives = deadLetterQueueExists ? configuration.redrivePolicy?.maxReceiveCount : nil
        var budget = maximum + 1000
        func consider(_ message: StoredMessage) -> Bool {
            budget -= 1
            if message.sentAtMillis <= cutoff {
                plan.expired.append(message.id)
                return false
            }
            if let maxReceives, message.receiveCount >= maxReceives {
                plan.moved.append(message.id)
                return false
            }
            plan.delivered.append(message.id)
            return true
        }
        if isFIFO {
            guard !groupOrder.isEmpty else { return plan }
            for step in 0..<groupOrder.count {
                guard plan.delivered.count < maximum, budget > 0 else { break }
                let name = groupOrder[(groupCursor + step) % groupOrder.count]
                guard let group = groups[name], group.inFlight == nil else { continue }
                // One message per group: walk past expired and dead-lettered heads to the first deliverable one.
                for id in group.ids[group.head...] {
                    guard let message = messages[id], message.phase == .visible, budget > 0 else { break }
                    if consider(message) { break }
                }
            }
        } else {
            var index = readyHead
            while index < ready.count, plan.delivered.count < maximum, budget > 0 {
                let entry = ready[index]
                index += 1
                guard let message = messages[entry.id], message.readyToken == entry.token, message.phase == .visible else { continue }
                _ = consider(message)
            }
        }
        return plan
    }

    /// A live FIFO deduplication entry for `id`, if any.
    func deduplicationEntry(_ id: String, nowMillis: Int64) -> DeduplicationEntry? {
        guard let entry = deduplication[id], entry.expiresAtMillis > nowMillis else { return nil }
        return entry
    }

    // MARK: Journaled changes

    /// Adds a message sent (or moved here) at `atMillis`; returns its sequence number.
    @discardableResult
    mutating func insert(_ incoming: IncomingMessage, atMillis: Int64) -> UInt64 {
        let sequence = nextSequence
        nextSequence += 1
        var message = StoredMessage(id: incoming.id, body: incoming.body, attributes: incoming.attributes,
                                    sentAtMillis: incoming.sentAtMillis, visibleAtMillis: incoming.visibleAtMillis,
                                    receiveCount: incoming.receiveCount, phase: .delayed, groupID: incoming.groupID,
                                    sequence: sequence, sourceQueue: incoming.sourceQueue)
        if incoming.visibleAtMillis > atMillis {
            delayedCount += 1
            timers.insert(TimerEntry(at: incoming.visibleAtMillis, id: incoming.id))
        } else {
            message.phase = .visible
            visibleCount += 1
            if !isFIFO { enqueueReady(&message) }
        }
        if isFIFO, let group = incoming.groupID {
            if groups[group] == nil { groupOrder.append(group) }
            groups[group, default: MessageGroup()].ids.append(incoming.id)
        }
        if let deduplicationID = incoming.deduplicationID {
            deduplication[deduplicationID] = DeduplicationEntry(messageID: incoming.id, sequence: sequence,
                                                                expiresAtMillis: atMillis + Self.deduplicationWindowMillis)
            deduplicationOrder.append(deduplicationID)
        }
        messages[incoming.id] = message
        liveBytes += Self.liveBytes(of: message)
        arrival.append(incoming.id)
        sentTotal += 1
        return sequence
    }

    /// Marks a message received: in flight until `visibleAtMillis`, with its new receive count.
    mutating func markReceived(_ id: String, receiveCount: Int, visibleAtMillis: Int64) {
        guard var message = messages[id] else { return }
        setPhase(&message, .inFlight)
        message.receiveCount = receiveCount
        message.visibleAtMillis = visibleAtMillis
        messages[id] = message
        timers.insert(TimerEntry(at: visibleAtMillis, id: id))
        if isFIFO, let group = message.groupID {
            groups[group]?.inFlight = id
            if let index = groupOrder.firstIndex(of: group) { groupCursor = index + 1 }
        }
        receivedTotal += 1
        trimReadyHead()
    }

    /// Changes when an in-flight message becomes visible again.
    mutating func setVisibility(_ id: String, visibleAtMillis: Int64) {
        guard var message = messages[id] else { return }
        message.visibleAtMillis = visibleAtMillis
        messages[id] = message
        timers.insert(TimerEntry(at: visibleAtMillis, id: id))
    }

    /// Removes a message (deleted, expired, moved away). `deleted` counts it as a delete.
    @discardableResult
    mutating func remove(_ id: String, deleted: Bool = false) -> StoredMessage? {
        guard var message = messages.removeValue(forKey: id) else { return nil }
        liveBytes -= Self.liveBytes(of: message)
        switch message.phase {
        case .delayed: delayedCount -= 1
        case .visible: visibleCount -= 1
        case .inFlight: inFlightCount -= 1
        }
        message.phase = .delayed
        if isFIFO, let name = message.groupID, var group = groups[name] {
            if group.inFlight == id { group.inFlight = nil }
            group.remove(id)
            if group.isEmpty {
                groups[name] = nil
                if let index = groupOrder.firstIndex(of: name) {
                    groupOrder.remove(at: index)
                    if groupCursor > index { groupCursor -= 1 }
                }
            } else {
                groups[name] = group
            }
        }
        if deleted { deletedTotal += 1 }
        trimReadyHead()
        return message
    }

    /// Removes every message (purge). Deduplication entries stay, as in SQS.
    mutating func removeAll() {
        messages.removeAll()
        liveBytes = 0
        ready.removeAll()
        readyHead = 0
        timers.removeAll()
        groups.removeAll()
        groupOrder.removeAll()
        groupCursor = 0
        arrival.removeAll()
        arrivalHead = 0
        delayedCount = 0
        visibleCount = 0
        inFlightCount = 0
    }

    /// Forgets deduplication entries older than the window (derived from time, not journaled).
    mutating func pruneDeduplication(nowMillis: Int64) {
        while deduplicationHead < deduplicationOrder.count {
            let key = deduplicationOrder[deduplicationHead]
            if let entry = deduplication[key], entry.expiresAtMillis > nowMillis { break }
            if let entry = deduplication[key], entry.expiresAtMillis <= nowMillis { deduplication[key] = nil }
            deduplicationHead += 1
        }
        if deduplicationHead > 1024, deduplicationHead * 2 > deduplicationOrder.count {
            deduplicationOrder.removeFirst(deduplicationHead)
            deduplicationHead = 0
        }
    }

    /// Restores counters and deduplication entries from a snapshot (messages are re-inserted separately).
    mutating func restore(nextSequence: UInt64, totals: (sent: Int, received: Int, deleted: Int), deduplication entries: [(String, DeduplicationEntry)]) {
        self.nextSequence = nextSequence
        sentTotal = totals.sent
        receivedTotal = totals.received
        deletedTotal = totals.deleted
        for (key, entry) in entries {
            deduplication[key] = entry
            deduplicationOrder.append(key)
        }
    }

    /// Puts a message from a snapshot back with its phase, sequence and receive count.
    mutating func restoreMessage(_ stored: StoredMessage) {
        var message = stored
        switch message.phase {
        case .delayed:
            delayedCount += 1
            timers.insert(TimerEntry(at: message.visibleAtMillis, id: message.id))
        case .visible:
            visibleCount += 1
            if !isFIFO { enqueueReady(&message) }
        case .inFlight:
            inFlightCount += 1
            timers.insert(TimerEntry(at: message.visibleAtMillis, id: message.id))
        }
        if isFIFO, let group = message.groupID {
            if groups[group] == nil { groupOrder.append(group) }
            groups[group, default: MessageGroup()].ids.append(message.id)
            if message.phase == .inFlight { groups[group]?.inFlight = message.id }
        }
        messages[message.id] = message
        liveBytes += Self.liveBytes(of: message)
        arrival.append(message.id)
    }

    /// Messages in sequence order, for snapshots.
    var messagesInOrder: [StoredMessage] { messages.values.sorted { $0.sequence < $1.sequence } }

    // MARK: Helpers

    private mutating func setPhase(_ message: inout StoredMessage, _ phase: MessagePhase) {
        switch message.phase {
        case .delayed: delayedCount -= 1
        case .visible: visibleCount -= 1
        case .inFlight: inFlightCount -= 1
        }
        switch phase {
        case .delayed: delayedCount += 1
        case .visible: visibleCount += 1
        case .inFlight: inFlightCount += 1
        }
        message.phase = phase
    }

    private mutating func enqueueReady(_ message: inout StoredMessage) {
        message.readyToken = nextReadyToken
        nextReadyToken += 1
        ready.append((message.id, message.readyToken))
    }

    private mutating func trimReadyHead() {
        while readyHead < ready.count {
            let entry = ready[readyHead]
            if let message = messages[entry.id], message.readyToken == entry.token, message.phase == .visible { break }
            readyHead += 1
        }
        if readyHead > 1024, readyHead * 2 > ready.count {
            ready.removeFirst(readyHead)
            readyHead = 0
        }
    }

    private mutating func skipDeletedArrivals() {
        while arrivalHead < arrival.count, messages[arrival[arrivalHead]] == nil { arrivalHead += 1 }
        compactArrival()
    }

    private mutating func compactArrival() {
        if arrivalHead > 1024, arrivalHead * 2 > arrival.count {
            arrival.removeFirst(arrivalHead)
            arrivalHead = 0
        }
    }
}
