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
        #expect(copy.scorer.next == model.scorer.next && copy.scorer.boughtNext == model.scorer.boughtNext)
        #expect(!model.scorer.next.items.isEmpty, "bought-next is part of the file")
        for item in model.items {
            #expect(copy.similar(to: item) == model.similar(to: item))
            let purchases = [(item: item, at: 10.0)]
            #expect(copy.recommend(history: [(item, 1)], purchases: purchases, excluding: [item])
                    == model.recommend(history: [(item, 1)], purchases: purchases, excluding: [item]))
        }
    }

    /// A format 1 file (before bought-next) still serves, with bought-next off.
    @Test func aFormatOneFileStillLoads() throws {
        var bytes = ModelFile.encode(model)
        // Format 2 appends bought-next's settings (six 4-byte fields) and its rows (three arrays) to format 1.
        let next = model.scorer.next
        let appended = 6 * 4 + (4 + 4 * next.start.count) + 2 * (4 + 4 * next.items.count)
        bytes.removeLast(8 + appended)
        bytes.replaceSubrange(4..<8, with: [1, 0, 0, 0])
        withUnsafeBytes(of: ModelFile.fnv1a(bytes).littleEndian) { bytes.append(contentsOf: $0) }
        let old = try ModelFile.decode(bytes)
        #expect(old.scorer.boughtNext.weight == 0 && old.scorer.next.items.isEmpty)
        #expect(old.similar(to: "tea") == model.similar(to: "tea"))
        #expect(old.recommend(history: [("tea", 1)], excluding: ["tea"]).first?.item == "kettle")
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
