import Foundation
@testable import Shop
import Store
import Telemetry
import Testing

/// Every instance's scheduler sees each fire; the store lets exactly one act on it.
@Suite struct ScheduleFireClaimsTests {
    @Test func eachFireIsClaimedByOneInstanceAndTheNextFireIsFreeAgain() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fire-claims-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try Store(directory: directory, clock: ManualClock())
        let claims = ScheduleFireClaims(store: store)
        try await claims.prepare()
        let nightly = Date(timeIntervalSince1970: 1_767_225_600)
        let results = try await withThrowingTaskGroup(of: Bool.self) { group in
            for instance in 0..<4 {
                group.addTask { try await claims.claim(schedule: "recommendation-pipeline", scheduledAt: nightly, by: "instance-\(instance)") }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.filter { $0 }.count == 1, "one of four instances acts on the fire: \(results)")
        // An instance that was down and catches the same fire up later finds it claimed.
        #expect(try await !claims.claim(schedule: "recommendation-pipeline", scheduledAt: nightly, by: "late"))
        #expect(try await claims.claim(schedule: "recommendation-pipeline", scheduledAt: nightly.addingTimeInterval(86_400), by: "late"))
        #expect(try await claims.claim(schedule: "another", scheduledAt: nightly, by: "late"))
        await store.close()
    }
}
