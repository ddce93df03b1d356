import Foundation
import Testing
@testable import Recommender

@Suite struct ModelFileTests {
    let model = ModelBuilder().build(interactions: ServingTests.history, catalogue: ServingTests.catalogue, version: 7, now: 400)

    @Test func aModelSurvivesTheRoundTripAndServesTheSame() throws {
        let copy = try ModelFile.decode(ModelFile.encode(model))
        #expect(copy.version == 7 && copy.trainedAt == 400 && copy.algorithm == model.algorithm)
        #expect(copy.items == model.items && copy.categories == model.categories)
        #expect(copy.metrics == model.metrics)
        #expect(copy.bestSellers.map(\.item) == model.bestSellers.map(\.item))
        #expect(copy.scorer.neighbours == model.scorer.neighbours)
        #expect(copy.scorer.ease == model.scorer.ease)
        for item in model.items {
            #expect(copy.similar(to: item) == model.similar(to: item))
            #expect(copy.recommend(history: [(item, 1)], excluding: [item]) == model.recommend(history: [(item, 1)], excluding: [item]))
        }
    }

    @Test func damageIsRefused() {
        var bytes = ModelFile.encode(model)
        #expect(throws: ModelFile.DecodeError.notAModel) { try ModelFile.decode(Array("hello, world, this is text".utf8)) }
        #expect(throws: ModelFile.DecodeError.self) { try ModelFile.decode(Array(bytes.prefix(bytes.count / 2))) }
        bytes[bytes.count / 2] ^= 0x40
        #expect(throws: ModelFile.DecodeError.checksumMismatch) { try ModelFile.decode(bytes) }
    }
}

@Suite struct ModelStoreTests {
    @Test func versionsAreSavedListedNamedCurrentAndDeleted() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("models-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = ModelStore(directory: directory)
        #expect(store.versions().isEmpty && store.currentVersion() == nil)
        for version in [1, 2] {
            try store.save(ModelBuilder().build(interactions: ServingTests.history, catalogue: ServingTests.catalogue, version: version, now: 400,
                                                evaluate: false))
        }
        try store.setCurrent(2)
        #expect(store.versions() == [1, 2] && store.currentVersion() == 2)
        #expect(try store.load(version: 2).version == 2)
        try store.delete(version: 1)
        try store.delete(version: 1)
        #expect(store.versions() == [2])
        #expect(throws: ModelStore.StoreError.missing(version: 1)) { try store.load(version: 1) }
        try store.setCurrent(nil)
        #expect(store.currentVersion() == nil)
        // A damaged file is refused with its path.
        try Data("garbage".utf8).write(to: URL(fileURLWithPath: directory + "/model-3.bin"))
        #expect(throws: ModelStore.StoreError.damaged(path: directory + "/model-3.bin", reason: "not a shopdeck model file")) { try store.load(version: 3) }
        #expect(!FileManager.default.fileExists(atPath: directory + "/model-2.bin.tmp"))
    }
}

@Suite struct ModelSlotTests {
    @Test func readersOnEveryThreadSeeTheLatestPublishedModel() async {
        let first = ModelBuilder().build(interactions: ServingTests.history, catalogue: ServingTests.catalogue, version: 1, now: 400, evaluate: false)
        let second = ModelBuilder().build(interactions: ServingTests.history, catalogue: ServingTests.catalogue, version: 2, now: 400, evaluate: false)
        let slot = ModelSlot()
        #expect(slot.current == nil)
        slot.publish(first)
        let before = await withTaskGroup(of: Int?.self) { group in
            for _ in 0..<8 { group.addTask { slot.current?.version } }
            return await group.reduce(into: [Int?]()) { $0.append($1) }
        }
        #expect(before.allSatisfy { $0 == 1 })
        slot.publish(second)
        // Every thread, including those that cached the first model, reads the second from now on.
        let after = await withTaskGroup(of: [Int?].self) { group in
            for _ in 0..<8 { group.addTask { (0..<1000).map { _ in slot.current?.version } } }
            return await group.reduce(into: [Int?]()) { $0 += $1 }
        }
        #expect(after.allSatisfy { $0 == 2 })
        slot.publish(nil)
        #expect(slot.current == nil)
    }
}
