import AWS
import Broker
import Foundation
import Synchronization

/// A `MessageBroker` on SQS (its JSON protocol) and SNS (its query protocol): each shop queue is an SQS queue named `prefix + name`,
/// FIFO where the name ends in `.fifo`, its dead-letter queue named by ARN in a redrive policy. What SQS
/// cannot do is said, not faked: it has no peek (`.unsupported`), and its counts are approximate.
/// Topics are SNS topics (`prefix + name`) delivering to the queues raw, with their filter policies.
public final class AWSBroker: MessageBroker {
    let client: AWSClient
    public let prefix: String
    /// Queue URLs by shop name, learnt from CreateQueue and GetQueueUrl.
    private let urls = Mutex<[String: String]>([:])
    /// Topic ARNs by shop name, learnt from CreateTopic and ListTopics.
    private let topics = Mutex<[String: String]>([:])
    private let createdResources = Mutex<[String]>([])
    /// The longest long poll sent to SQS (20 s, SQS's own limit, unless lowered).
    public let maximumWaitSeconds: Double

    /// The queues and topics this broker created (`queue prefix-orders`), for a first start to say what it made.
    public var created: [String] { createdResources.withLock { $0 } }

    /// `maximumWaitSeconds` below 20 shortens long polls: an emulator that answers one request at a time
    /// (moto-serial) is held for the whole wait by each poll, and the shop's workers poll four queues.
    public init(client: AWSClient, prefix: String = "shopdeck-", maximumWaitSeconds: Double = 20) {
        self.client = client
        self.prefix = prefix
        self.maximumWaitSeconds = maximumWaitSeconds
    }

    // MARK: Queues

    public func createQueue(_ configuration: QueueConfiguration) async throws(BrokerError) {
        let existed = (try? await url(configuration.name)) != nil
        var attributes: [String: String] = [
            "VisibilityTimeout": Self.seconds(configuration.visibilityTimeout), "MessageRetentionPeriod": Self.seconds(configuration.messageRetention),
            "DelaySeconds": Self.seconds(configuration.delay), "MaximumMessageSize": String(configuration.maximumMessageBytes),
            "ReceiveMessageWaitTimeSeconds": Self.seconds(configuration.receiveWaitTime),
        ]
        if configuration.isFIFO {
            attributes["FifoQueue"] = "true"
            attributes["ContentBasedDeduplication"] = configuration.contentBasedDeduplication ? "true" : "false"
        }
        if let redrive = configuration.redrivePolicy {
            let arn = try await queueARN(redrive.deadLetterQueue)
            let policy = ["deadLetterTargetArn": arn, "maxReceiveCount": String(redrive.maxReceiveCount)]
            attributes["RedrivePolicy"] = String(decoding: (try? JSONSerialization.data(withJSONObject: policy, options: [.sortedKeys])) ?? Data(), as: UTF8.self)
        }
        let answer = try await call("CreateQueue", queue: configuration.name, ["QueueName": prefix + configuration.name, "Attributes": attributes])
        if let url = answer["QueueUrl"] as? String { urls.withLock { $0[configuration.name] = url } }
        if !existed { createdResources.withLock { $0.append("queue \(prefix)\(configuration.name)") } }
    }

    public func queueNames() async -> [String] {
        guard let answer = try? await call("ListQueues", queue: nil, ["QueueNamePrefix": prefix, "MaxResults": 1000]) else { return [] }
        return (answer["QueueUrls"] as? [String] ?? []).compactMap { url in
            let name = String(url.split(separator: "/").last ?? "")
            return name.hasPrefix(prefix) ? String(name.dropFirst(prefix.count)) : nil
        }.sorted()
    }

    public func configuration(of name: String) async -> QueueConfiguration? {
        guard let attributes = try? await queueAttributes(name) else { return nil }
        var configuration = QueueConfiguration(name: name)
        if let text = attributes["VisibilityTimeout"], let value = Double(text) { configuration.visibilityTimeout = value }
        if let text = attributes["MessageRetentionPeriod"], let value = Double(text) { configuration.messageRetention = value }
        if let text = attributes["DelaySeconds"], let value = Double(text) { configuration.delay = value }
        if let text = attributes["MaximumMessageSize"], let value = Int(text) { configuration.maximumMessageBytes = value }
        if let text = attributes["ReceiveMessageWaitTimeSeconds"], let value = Double(text) { configuration.receiveWaitTime = value }
        configuration.contentBasedDeduplication = attributes["ContentBasedDeduplication"] == "true"
        if let text = attributes["RedrivePolicy"], let policy = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any],
           let arn = policy["deadLetterTargetArn"] as? String {
            let count = (policy["maxReceiveCount"] as? Int) ?? Int(policy["maxReceiveCount"] as? String ?? "") ?? 1
            let target = String(arn.split(separator: ":").last ?? "")
            configuration.redrivePolicy = RedrivePolicy(deadLetterQueue: target.hasPrefix(prefix) ? String(target.dropFirst(prefix.count)) : target,
                                                        maxReceiveCount: count)
        }
        return configuration
    }

    // MARK: Messages

    public func send(_ queue: String, _ message: OutgoingMessage) async throws(BrokerError) -> SendResult {
        var body = Self.entry(message)
        body["QueueUrl"] = try await url(queue)
        let answer = try await call("SendMessage", queue: queue, body)
        return SendResult(messageID: answer["MessageId"] as? String ?? "", sequenceNumber: (answer["SequenceNumber"] as? String).flatMap(UInt64.init))
    }

    public func sendBatch(_ queue: String, _ messages: [OutgoingMessage]) async throws(BrokerError) -> [SendResult] {
        guard (1...10).contains(messages.count) else { throw .validation("a batch holds 1 to 10 messages, got \(messages.count)") }
        let entries = messages.enumerated().map { index, message in Self.entry(message).merging(["Id": String(index)]) { _, new in new } }
        let answer = try await call("SendMessageBatch", queue: queue, ["QueueUrl": try await url(queue), "Entries": entries])
        if let failed = (answer["Failed"] as? [[String: Any]])?.first {
            throw .validation("SQS refused message \(failed["Id"] as? String ?? "?") of the batch: \(failed["Code"] as? String ?? "") \(failed["Message"] as? String ?? "")")
        }
        let successful = Dictionary((answer["Successful"] as? [[String: Any]] ?? []).map { ($0["Id"] as? String ?? "", $0) }) { first, _ in first }
        return messages.indices.map { index in
            let entry = successful[String(index)] ?? [:]
            return SendResult(messageID: entry["MessageId"] as? String ?? "", sequenceNumber: (entry["SequenceNumber"] as? String).flatMap(UInt64.init))
        }
    }

    public func receive(_ queue: String, maximum: Int, waitSeconds: Double?, visibilityTimeout: Double?) async throws(BrokerError) -> [ReceivedMessage] {
        guard (1...10).contains(maximum) else { throw .validation("a receive takes 1 to 10 messages, got \(maximum)") }
        var body: [String: Any] = ["QueueUrl": try await url(queue), "MaxNumberOfMessages": maximum, "MessageAttributeNames": ["All"],
                                   "MessageSystemAttributeNames": ["All"], "AttributeNames": ["All"]]
        if let waitSeconds {
            body["WaitTimeSeconds"] = Int(min(waitSeconds, maximumWaitSeconds).rounded(.up))
        } else if maximumWaitSeconds < 20 {
            body["WaitTimeSeconds"] = Int(maximumWaitSeconds.rounded(.up))  // never the queue's own, possibly longer, default
        }
        if let visibilityTimeout { body["VisibilityTimeout"] = Int(visibilityTimeout.rounded(.up)) }
        let answer = try await call("ReceiveMessage", queue: queue, body)
        return (answer["Messages"] as? [[String: Any]] ?? []).map(Self.received)
    }

    public func delete(_ queue: String, receiptHandle: String) async throws(BrokerError) {
        _ = try await call("DeleteMessage", queue: queue, ["QueueUrl": try await url(queue), "ReceiptHandle": receiptHandle])
    }

    public func deleteBatch(_ queue: String, receiptHandles: [String]) async throws(BrokerError) -> [BrokerError?] {
        guard (1...10).contains(receiptHandles.count) else { throw .validation("a batch holds 1 to 10 receipt handles, got \(receiptHandles.count)") }
        let entries = receiptHandles.enumerated().map { ["Id": String($0.offset), "ReceiptHandle": $0.element] }
        let answer = try await call("DeleteMessageBatch", queue: queue, ["QueueUrl": try await url(queue), "Entries": entries])
        let failed = Dictionary((answer["Failed"] as? [[String: Any]] ?? []).map { ($0["Id"] as? String ?? "", $0) }) { first, _ in first }
        return receiptHandles.indices.map { index in
            failed[String(index)].map { BrokerError.receiptHandleInvalid("\($0["Code"] as? String ?? ""): \($0["Message"] as? String ?? "")") }
        }
    }

    public func changeVisibility(_ queue: String, receiptHandle: String, timeout: Double) async throws(BrokerError) {
        _ = try await call("ChangeMessageVisibility", queue: queue, ["QueueUrl": try await url(queue), "ReceiptHandle": receiptHandle,
                                                                    "VisibilityTimeout": Int(timeout.rounded(.up))])
    }

    public func purge(_ queue: String) async throws(BrokerError) {
        _ = try await call("PurgeQueue", queue: queue, ["QueueUrl": try await url(queue)])
    }

    /// SQS's `StartMessageMoveTask`: asynchronous, so the count is what was waiting when it started.
    public func redrive(deadLetterQueue: String, to destination: String?) async throws(BrokerError) -> Int {
        let waiting = try await stats(deadLetterQueue).visible
        var body: [String: Any] = ["SourceArn": try await queueARN(deadLetterQueue)]
        if let destination { body["DestinationArn"] = try await queueARN(destination) }
        _ = try await call("StartMessageMoveTask", queue: deadLetterQueue, body)
        return waiting
    }

    // MARK: Topics (SNS)

    /// Creates the SNS topic (SNS's CreateTopic is idempotent) and remembers its ARN.
    public func createTopic(_ name: String) async throws(BrokerError) {
        let existed = (try? await topicARN(name)) != nil
        let answer = try await sns("CreateTopic", topic: name, [("Name", prefix + name)])
        guard let arn = answer.first("TopicArn")?.text else { throw .validation("SNS created topic \(name) without an ARN") }
        topics.withLock { $0[name] = arn }
        if !existed { createdResources.withLock { $0.append("topic \(prefix)\(name)") } }
    }

    /// Subscribes the queue with raw delivery (the message arrives as sent, its attributes as SQS message
    /// attributes) and the filter policy; and lets SNS deliver to the queue, by the queue's access policy.
    public func subscribe(topic: String, queue: String, filter: FilterPolicy) async throws(BrokerError) -> Subscription {
        let topicARN = try await topicARN(topic)
        let queueARN = try await queueARN(queue)
        try await allowDelivery(from: topicARN, to: queue, queueARN: queueARN)
        var parameters = [("TopicArn", topicARN), ("Protocol", "sqs"), ("Endpoint", queueARN), ("ReturnSubscriptionArn", "true"),
                          ("Attributes.entry.1.key", "RawMessageDelivery"), ("Attributes.entry.1.value", "true")]
        if !filter.rules.isEmpty { parameters += [("Attributes.entry.2.key", "FilterPolicy"), ("Attributes.entry.2.value", filter.json)] }
        let answer = try await sns("Subscribe", topic: topic, parameters)
        guard let arn = answer.first("SubscriptionArn")?.text else { throw .validation("SNS subscribed \(queue) without an ARN") }
        return Subscription(id: arn, topic: topic, queue: queue, filter: filter)
    }

    public func unsubscribe(topic: String, subscriptionID: String) async throws(BrokerError) {
        _ = try await sns("Unsubscribe", topic: topic, [("SubscriptionArn", subscriptionID)])
    }

    /// The topic's subscriptions to this shop's queues, each with its filter policy (one more request each).
    public func subscriptions(of topic: String) async throws(BrokerError) -> [Subscription] {
        let answer = try await sns("ListSubscriptionsByTopic", topic: topic, [("TopicArn", try await topicARN(topic))])
        var result: [Subscription] = []
        for member in answer.all("member") {
            guard let arn = member.first("SubscriptionArn")?.text, let endpoint = member.first("Endpoint")?.text else { continue }
            let queueName = String(endpoint.split(separator: ":").last ?? "")
            guard queueName.hasPrefix(prefix) else { continue }
            let attributes = try await sns("GetSubscriptionAttributes", topic: topic, [("SubscriptionArn", arn)])
            var filter = FilterPolicy()
            for entry in attributes.all("entry") where entry.first("key")?.text == "FilterPolicy" {
                filter = try FilterPolicy(json: entry.first("value")?.text ?? "{}")
            }
            result.append(Subscription(id: arn, topic: topic, queue: String(queueName.dropFirst(prefix.count)), filter: filter))
        }
        return result
    }

    /// Publishes to the topic. SNS answers with one message id and says nothing of which queues took it, so
    /// the result is keyed by the topic's name rather than per queue.
    public func publish(topic: String, _ message: OutgoingMessage) async throws(BrokerError) -> [String: SendResult] {
        var parameters = [("TopicArn", try await topicARN(topic)), ("Message", message.body)]
        for (index, (name, value)) in message.attributes.sorted(by: { $0.key < $1.key }).enumerated() {
            let entry = "MessageAttributes.entry.\(index + 1)"
            switch value {
            case .string(let text): parameters += [("\(entry).Name", name), ("\(entry).Value.DataType", "String"), ("\(entry).Value.StringValue", text)]
            case .number(let text): parameters += [("\(entry).Name", name), ("\(entry).Value.DataType", "Number"), ("\(entry).Value.StringValue", text)]
            case .binary(let bytes):
                parameters += [("\(entry).Name", name), ("\(entry).Value.DataType", "Binary"), ("\(entry).Value.BinaryValue", Data(bytes).base64EncodedString())]
            }
        }
        if let group = message.groupID { parameters.append(("MessageGroupId", group)) }
        if let deduplication = message.deduplicationID { parameters.append(("MessageDeduplicationId", deduplication)) }
        let answer = try await sns("Publish", topic: topic, parameters)
        return [topic: SendResult(messageID: answer.first("MessageId")?.text ?? "", sequenceNumber: answer.first("SequenceNumber").flatMap { UInt64($0.text) })]
    }

    private func topicARN(_ topic: String) async throws(BrokerError) -> String {
        if let known = topics.withLock({ $0[topic] }) { return known }
        let answer = try await sns("ListTopics", topic: topic, [])
        guard let arn = answer.all("TopicArn").map(\.text).first(where: { $0.hasSuffix(":" + prefix + topic) }) else { throw .topicNotFound(topic) }
        topics.withLock { $0[topic] = arn }
        return arn
    }

    /// An SQS queue accepts SNS deliveries only where its access policy allows the topic to send.
    private func allowDelivery(from topicARN: String, to queue: String, queueARN: String) async throws(BrokerError) {
        let statement: [String: Any] = ["Sid": "shopdeck-\(topicARN.split(separator: ":").last ?? "")", "Effect": "Allow",
                                        "Principal": ["Service": "sns.amazonaws.com"], "Action": "sqs:SendMessage", "Resource": queueARN,
                                        "Condition": ["ArnEquals": ["aws:SourceArn": topicARN]]]
        let policy: [String: Any] = ["Version": "2012-10-17", "Statement": [statement]]
        let text = String(decoding: (try? JSONSerialization.data(withJSONObject: policy, options: [.sortedKeys])) ?? Data(), as: UTF8.self)
        _ = try await call("SetQueueAttributes", queue: queue, ["QueueUrl": try await url(queue), "Attributes": ["Policy": text]])
    }

    private func sns(_ action: String, topic: String?, _ parameters: [(String, String)]) async throws(BrokerError) -> AWSXML {
        do {
            return try await client.query(.sns, action: action, version: "2010-03-31", parameters: parameters.map { (name: $0.0, value: $0.1) },
                                          resource: topic.map { prefix + $0 })
        } catch {
            if error.code == "NotFound" || error.code == "NotFoundException", let topic { throw .topicNotFound(topic) }
            throw brokerError(error, queue: nil)
        }
    }

    // MARK: What operators read

    /// SQS's approximate counts (eventually consistent, as its documentation says).
    public func stats(_ name: String) async throws(BrokerError) -> QueueStats {
        let attributes = try await queueAttributes(name)
        func count(_ key: String) -> Int { Int(attributes[key] ?? "") ?? 0 }
        return QueueStats(name: name, isFIFO: attributes["FifoQueue"] == "true", visible: count("ApproximateNumberOfMessages"),
                          inFlight: count("ApproximateNumberOfMessagesNotVisible"), delayed: count("ApproximateNumberOfMessagesDelayed"))
    }

    public func allStats() async -> [QueueStats] {
        var result: [QueueStats] = []
        for name in await queueNames() { if let stats = try? await stats(name) { result.append(stats) } }
        return result
    }

    public func peek(_ name: String, limit: Int) async throws(BrokerError) -> [PeekedMessage] {
        throw .unsupported("SQS cannot show messages without receiving them (which would hide them from consumers); counts only")
    }

    // MARK: Calls

    private func url(_ queue: String) async throws(BrokerError) -> String {
        if let known = urls.withLock({ $0[queue] }) { return known }
        let answer = try await call("GetQueueUrl", queue: queue, ["QueueName": prefix + queue])
        guard let url = answer["QueueUrl"] as? String else { throw .queueNotFound(queue) }
        urls.withLock { $0[queue] = url }
        return url
    }

    private func queueAttributes(_ queue: String) async throws(BrokerError) -> [String: String] {
        let answer = try await call("GetQueueAttributes", queue: queue, ["QueueUrl": try await url(queue), "AttributeNames": ["All"]])
        return answer["Attributes"] as? [String: String] ?? [:]
    }

    private func queueARN(_ queue: String) async throws(BrokerError) -> String {
        guard let arn = try await queueAttributes(queue)["QueueArn"] else { throw .queueNotFound(queue) }
        return arn
    }

    private static func seconds(_ value: Double) -> String { String(Int(value.rounded())) }

    private static func entry(_ message: OutgoingMessage) -> [String: Any] {
        var entry: [String: Any] = ["MessageBody": message.body]
        if let delay = message.delaySeconds { entry["DelaySeconds"] = Int(delay.rounded(.up)) }
        if let group = message.groupID { entry["MessageGroupId"] = group }
        if let deduplication = message.deduplicationID { entry["MessageDeduplicationId"] = deduplication }
        if !message.attributes.isEmpty {
            entry["MessageAttributes"] = message.attributes.mapValues { value -> [String: String] in
                switch value {
                case .string(let s): ["DataType": "String", "StringValue": s]
                case .number(let n): ["DataType": "Number", "StringValue": n]
                case .binary(let b): ["DataType": "Binary", "BinaryValue": Data(b).base64EncodedString()]
                }
            }
        }
        return entry
    }

    private static func received(_ json: [String: Any]) -> ReceivedMessage {
        let system = json["Attributes"] as? [String: String] ?? [:]
        var attributes: [String: MessageAttributeValue] = [:]
        for (name, value) in json["MessageAttributes"] as? [String: [String: Any]] ?? [:] {
            let type = value["DataType"] as? String ?? "String"
            if type.hasPrefix("Binary"), let text = value["BinaryValue"] as? String, let data = Data(base64Encoded: text) {
                attributes[name] = .binary(Array(data))
            } else if let text = value["StringValue"] as? String {
                attributes[name] = type.hasPrefix("Number") ? .number(text) : .string(text)
            }
        }
        return ReceivedMessage(messageID: json["MessageId"] as? String ?? "", receiptHandle: json["ReceiptHandle"] as? String ?? "",
                               body: json["Body"] as? String ?? "", attributes: attributes,
                               receiveCount: Int(system["ApproximateReceiveCount"] ?? "") ?? 1,
                               sentAtMillis: Int64(system["SentTimestamp"] ?? "") ?? 0, groupID: system["MessageGroupId"],
                               sequenceNumber: system["SequenceNumber"].flatMap(UInt64.init))
    }

    /// Calls `operation`; AWS errors become the `BrokerError`s the embedded broker throws.
    private func call(_ operation: String, queue: String?, _ body: [String: Any]) async throws(BrokerError) -> [String: Any] {
        guard let data = try? JSONSerialization.data(withJSONObject: body) else { throw .validation("the request could not be written as JSON") }
        do {
            let answer = try await client.call(.sqs, target: "AmazonSQS.\(operation)", body: data, resource: queue.map { prefix + $0 })
            return (try? JSONSerialization.jsonObject(with: answer)) as? [String: Any] ?? [:]
        } catch {
            throw brokerError(error, queue: queue)
        }
    }

    func brokerError(_ error: AWSError, queue: String?) -> BrokerError {
        guard case let .service(_, _, code, message, _) = error, !error.isRetryable else { return .unavailable("\(error)") }
        switch code {
        case "QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue": return .queueNotFound(queue ?? message)
        case "QueueAlreadyExists", "QueueNameExists": return .queueAlreadyExists(queue ?? message)
        case "ReceiptHandleIsInvalid": return .receiptHandleInvalid(message)
        case "MessageNotInflight", "AWS.SimpleQueueService.MessageNotInflight": return .messageNotInFlight(message)
        case "InvalidParameterValue", "InvalidAttributeValue", "MissingParameter", "InvalidMessageContents", "ValidationException":
            return .validation(message)
        default: return .validation("SQS: \(error)")
        }
    }
}
