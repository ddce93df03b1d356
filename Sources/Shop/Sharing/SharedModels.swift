import Foundation
import Hashing
import Recommender
import Store

/// The model in service, shared by the instances of one shop: the instance whose pipeline run publishes a
/// model puts its file in the store (`model-files`, in chunks under DynamoDB's 400 KB item limit) and then a
/// pointer (`published` in the recommender's table); every instance compares the pointer with its own model
/// each sync round and fetches, checks and serves the one published. On AWS the design keeps model files in
/// S3; a few chunks in DynamoDB do the same for models of a few megabytes without another service.
struct SharedModels: Sendable {
    static let table = "model-files"
    static let pointerKey: Item = ["key": "published"]
    /// 256 KB of model per item: well under DynamoDB's 400 KB, with room for the item's own overhead.
    static let chunkBytes = 256 << 10
    static let schema = TableSchema(name: table, partitionKey: KeyAttribute("version", .number), sortKey: KeyAttribute("chunk", .number))

    struct Pointer: Equatable {
        /// 0 when the shop serves no model (best sellers).
        var version: Int
        var chunks: Int
        var sha256: String
    }

    let store: any DocumentStore

    func prepare() async throws(StoreError) {
        try await store.ensureTable(Self.schema)
    }

    /// Puts `model`'s file in the store and points every instance at it; removes other versions' files (a
    /// rollback publishes the restored model again from the rolling-back instance's own file).
    func publish(_ model: RecommendationModel) async throws(StoreError) {
        let bytes = ModelFile.encode(model)
        var chunks = 0
        for start in stride(from: 0, to: max(bytes.count, 1), by: Self.chunkBytes) {
            let piece = Array(bytes[start..<min(bytes.count, start + Self.chunkBytes)])
            try await store.put(Self.table, ["version": .number(model.version), "chunk": .number(chunks), "bytes": .binary(piece)])
            chunks += 1
        }
        try await point(at: Pointer(version: model.version, chunks: chunks, sha256: Hex.encode(SHA256.hash(bytes))))
        try await prune(keeping: model.version)
    }

    /// Points every instance back at `model` (a rollback: the one this instance keeps as the previous), or
    /// at no model.
    func withdraw(to model: RecommendationModel?) async throws(StoreError) {
        guard let model else {
            try await point(at: Pointer(version: 0, chunks: 0, sha256: ""))
            return
        }
        try await publish(model)
    }

    private func point(at pointer: Pointer) async throws(StoreError) {
        try await store.put(Recommendations.stateTable, Self.pointerKey.merging(["version": .number(pointer.version), "chunks": .number(pointer.chunks),
                                                                                "sha256": .string(pointer.sha256)]) { old, _ in old })
    }

    func published() async throws(StoreError) -> Pointer? {
        guard let item = try await store.get(Recommendations.stateTable, key: Self.pointerKey),
              let version = item["version"]?.int64Value, let chunks = item["chunks"]?.int64Value, let sha = item["sha256"]?.stringValue else { return nil }
        return Pointer(version: Int(version), chunks: Int(chunks), sha256: sha)
    }

    /// The published model's file, whole and matching its checksum; nil if it is not (yet) all there.
    func fetch(_ pointer: Pointer) async throws(StoreError) -> RecommendationModel? {
        var bytes: [UInt8] = []
        var cursor: PageCursor?
        var count = 0
        repeat {
            let page = try await store.query(Self.table, QueryRequest(partitionKey: .number(pointer.version), startAfter: cursor))
            for item in page.items {
                guard case .binary(let piece)? = item["bytes"] else { return nil }
                bytes += piece
                count += 1
            }
            cursor = page.nextCursor
        } while cursor != nil && count <= pointer.chunks
        guard count == pointer.chunks, Hex.encode(SHA256.hash(bytes)) == pointer.sha256 else { return nil }
        return try? ModelFile.decode(bytes)
    }

    private func prune(keeping kept: Int) async throws(StoreError) {
        var cursor: PageCursor?
        repeat {
            let page = try await store.scan(Self.table, ScanRequest(startAfter: cursor))
            for item in page.items {
                guard let version = item["version"]?.int64Value, Int(version) != kept, let chunk = item["chunk"] else { continue }
                try await store.delete(Self.table, key: ["version": .number(Int(version)), "chunk": chunk])
            }
            cursor = page.nextCursor
        } while cursor != nil
    }

    /// Serves the published model here if it is not the one in service: from this instance's own files when
    /// it has the version, else fetched from the store and kept as a file. Returns the version it put in
    /// service, if it changed anything.
    func adopt(into recommendations: Recommendations) async -> Int?? {
        guard let pointer = try? await published() else { return nil }
        let serving = recommendations.slot.current?.version ?? 0
        guard pointer.version != serving else { return nil }
        if pointer.version == 0 {
            try? recommendations.models.setCurrent(nil)
            recommendations.slot.publish(nil)
            return .some(nil)
        }
        let model: RecommendationModel
        if let local = try? recommendations.models.load(version: pointer.version) {
            model = local
        } else {
            guard let fetched = try? await fetch(pointer), (try? recommendations.models.save(fetched)) != nil else { return nil }
            model = fetched
        }
        guard (try? recommendations.models.setCurrent(model.version)) != nil else { return nil }
        recommendations.slot.publish(model)
        return .some(model.version)
    }
}
