import Foundation
import Telemetry
@testable import Broker

final class TemporaryDirectory: Sendable {
    let path: String

    init() {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("broker-test-\(UUID().uuidString)").path
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

func openBroker(_ dir: TemporaryDirectory, clock: any WallClock) throws -> Broker {
    var options = BrokerOptions()
    options.maintenanceIntervalSeconds = nil
    return try Broker(directory: dir.path, options: options, clock: clock)
}

func message(_ body: String, group: String? = nil, dedup: String? = nil, attributes: [String: MessageAttributeValue] = [:]) -> OutgoingMessage {
    OutgoingMessage(body: body, attributes: attributes, groupID: group, deduplicationID: dedup)
}
