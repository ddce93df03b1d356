import Foundation
import Recommender
@testable import Shop
import Store
import Telemetry
import Testing

/// The model one instance's pipeline publishes is served by every instance: its file goes to the store in
/// chunks, and another instance fetches it whole (checked against its checksum), keeps it as a file and
/// serves it; a rollback to no model reaches the others the same way.
@Suite struct SharedModelsTests {
    @Test func aModelPublishedByOneInstanceIsServedByAnother() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("shared-models-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let clock = ManualClock()
        let store = try Store(directory: root + "/store", clock: clock)
        let catalog = Catalog(store: store)
        try await catalog.prepare(seed: { [] })
        let instances = ["a", "b"].map { Recommendations(directory: root + "/" + $0, store: store, catalog: catalog, clock: clock, keepInteractionsSeconds: 86_400) }
        for instance in instances { try await instance.prepare() }
        let shared = SharedModels(store: store)
        try await shared.prepare()

        var history = DemoHistory()
        history.users = 2_000
        history.purchases = 20_000
        let catalogue = (0..<400).map { (id: "p\($0)", category: "c\($0 % 8)") }
        let model = ModelBuilder().build(interactions: history.interactions(catalogue: catalogue), catalogue: catalogue, version: 3, now: history.end,
                                         evaluate: false)
        let size = ModelFile.encode(model).count
        #expect(size > SharedModels.chunkBytes, "the model (\(size) bytes) spans more than one chunk")

        // Instance a publishes (as the pipeline's publish step does); b serves nothing yet.
        try instances[0].models.save(model)
        try instances[0].models.setCurrent(3)
        instances[0].slot.publish(model)
        try await shared.publish(model)
        #expect(instances[1].slot.current == nil)

        // b's next sync round: the model is fetched, kept as b's own file, and served.
        #expect(await shared.adopt(into: instances[1]) == .some(3))
        #expect(instances[1].slot.current?.version == 3)
        #expect(instances[1].models.currentVersion() == 3)
        #expect(try ModelFile.encode(instances[1].models.load(version: 3)) == ModelFile.encode(model))
        #expect(await shared.adopt(into: instances[1]) == nil, "nothing changes when the published model is in service")

        // A rollback to no model reaches b too.
        try await shared.withdraw(to: nil)
        #expect(await shared.adopt(into: instances[1]) == .some(nil))
        #expect(instances[1].slot.current == nil)
        await store.close()
    }
}
