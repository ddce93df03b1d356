/// A model as bytes: magic `SDRM`, a format number, every part of the model in order, and an FNV-1a 64
/// checksum of all that, so a torn or altered file is refused rather than served. Format 2 added
/// bought-next; a format 1 file still loads, without it.
public enum ModelFile {
    static let magic: [UInt8] = Array("SDRM".utf8)
    static let format: UInt32 = 2
    static let readable: ClosedRange<UInt32> = 1...2

    /// Why a file is not a model this build can serve.
    public enum DecodeError: Error, Equatable, CustomStringConvertible {
        case notAModel
        case unsupportedFormat(UInt32)
        case checksumMismatch
        case truncated

        public var description: String {
            switch self {
            case .notAModel: "not a shopdeck model file"
            case .unsupportedFormat(let format): "model file format \(format) is not supported by this build (it reads formats \(ModelFile.readable.lowerBound)–\(ModelFile.readable.upperBound))"
            case .checksumMismatch: "the model file's checksum does not match: it is damaged"
            case .truncated: "the model file ends early: it is damaged"
            }
        }
    }

    public static func encode(_ model: RecommendationModel) -> [UInt8] {
        var out = ByteWriter()
        out.bytes(magic)
        out.u32(format)
        out.i64(Int64(model.version))
        out.f64(model.trainedAt)
        out.string(model.algorithm.rawValue)
        out.strings(model.items)
        out.strings(model.categories)
        out.u32(UInt32(model.metrics.count))
        for (name, row) in model.metrics.sorted(by: { $0.key < $1.key }) {
            out.string(name)
            for value in [row.hitRate10, row.ndcg10, row.recall20, row.coverage10] { out.f64(value) }
        }
        out.i64(Int64(model.evaluatedUsers))
        out.u32(UInt32(model.bestSellers.count))
        for (item, buyers) in model.bestSellers { out.string(item); out.i64(Int64(buyers)) }
        out.u32(UInt32(model.trending.count))
        for (item, score) in model.trending { out.string(item); out.f64(score) }
        let scorer = model.scorer
        out.floats(scorer.popularity)
        out.u32(UInt32(scorer.neighbours.start.count))
        for start in scorer.neighbours.start { out.u32(UInt32(start)) }
        out.u32(UInt32(scorer.neighbours.items.count))
        for item in scorer.neighbours.items { out.u32(UInt32(bitPattern: item)) }
        out.floats(scorer.neighbours.scores)
        if let ease = scorer.ease {
            out.u32(UInt32(ease.n))
            out.floats(ease.values)
        } else {
            out.u32(0)
        }
        let next = scorer.boughtNext
        for value in [next.weight, next.stepDecay, next.normalisation, next.recentDecay] { out.u32(value.bitPattern) }
        out.u32(UInt32(next.window))
        out.u32(UInt32(next.recentCount))
        out.u32(UInt32(scorer.next.start.count))
        for start in scorer.next.start { out.u32(UInt32(start)) }
        out.u32(UInt32(scorer.next.items.count))
        for item in scorer.next.items { out.u32(UInt32(bitPattern: item)) }
        out.floats(scorer.next.scores)
        out.u64(fnv1a(out.data))
        return out.data
    }

    public static func decode(_ data: [UInt8]) throws(DecodeError) -> RecommendationModel {
        guard data.count >= 16, Array(data[0..<4]) == magic else { throw .notAModel }
        guard fnv1a(data[..<(data.count - 8)]) == ByteReader(data[(data.count - 8)...]).peekU64() else {
            var reader = ByteReader(data[4...])
            if let format = try? reader.u32(), !readable.contains(format) { throw .unsupportedFormat(format) }
            throw .checksumMismatch
        }
        var reader = ByteReader(data[4..<(data.count - 8)])
        do {
            let format = try reader.u32()
            guard readable.contains(format) else { throw .unsupportedFormat(format) }
            let version = Int(try reader.i64())
            let trainedAt = try reader.f64()
            guard let algorithm = Algorithm(rawValue: try reader.string()) else { throw .notAModel }
            let items = try reader.strings()
            let categories = try reader.strings()
            var metrics: [String: EvaluationRow] = [:]
            for _ in 0..<(try reader.count()) {
                let name = try reader.string()
                metrics[name] = EvaluationRow(model: name, hitRate10: try reader.f64(), ndcg10: try reader.f64(), recall20: try reader.f64(),
                                              coverage10: try reader.f64())
            }
            let evaluatedUsers = Int(try reader.i64())
            var bestSellers: [(item: String, buyers: Int)] = []
            for _ in 0..<(try reader.count()) { bestSellers.append((try reader.string(), Int(try reader.i64()))) }
            var trending: [(item: String, score: Double)] = []
            for _ in 0..<(try reader.count()) { trending.append((try reader.string(), try reader.f64())) }
            let popularity = try reader.floats()
            let neighbours = try reader.neighbours(itemCount: items.count)
            let n = Int(try reader.u32())
            let ease = n == 0 ? nil : DenseWeights(n: n, values: try reader.floats())
            var boughtNext = BoughtNext.off
            var next = Neighbours(start: [Int](repeating: 0, count: items.count + 1), items: [], scores: [])
            if format >= 2 {
                boughtNext.weight = Float(bitPattern: try reader.u32())
                boughtNext.stepDecay = Float(bitPattern: try reader.u32())
                boughtNext.normalisation = Float(bitPattern: try reader.u32())
                boughtNext.recentDecay = Float(bitPattern: try reader.u32())
                boughtNext.window = Int(try reader.u32())
                boughtNext.recentCount = Int(try reader.u32())
                next = try reader.neighbours(itemCount: items.count)
            }
            guard popularity.count == items.count, ease.map({ $0.n == items.count && $0.values.count == n * n }) ?? true,
                  categories.isEmpty || categories.count == items.count, boughtNext.weight.isFinite, boughtNext.recentDecay.isFinite else {
                throw .notAModel
            }
            return RecommendationModel(version: version, trainedAt: trainedAt, algorithm: algorithm, items: items, categories: categories,
                                       metrics: metrics, evaluatedUsers: evaluatedUsers, bestSellers: bestSellers, trending: trending,
                                       scorer: Scorer(itemCount: items.count, popularity: popularity, neighbours: neighbours, ease: ease,
                                                      next: next, boughtNext: boughtNext))
        }
    }

    static func fnv1a<C: Collection>(_ bytes: C) -> UInt64 where C.Element == UInt8 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01B3
        }
        return hash
    }
}

/// Little-endian writing of the model file's fields.
struct ByteWriter {
    var data: [UInt8] = []

    mutating func bytes(_ bytes: [UInt8]) { data.append(contentsOf: bytes) }
    mutating func u32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
    mutating func u64(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
    mutating func i64(_ value: Int64) { u64(UInt64(bitPattern: value)) }
    mutating func f64(_ value: Double) { u64(value.bitPattern) }

    mutating func string(_ value: String) {
        u32(UInt32(value.utf8.count))
        data.append(contentsOf: value.utf8)
    }

    mutating func strings(_ values: [String]) {
        u32(UInt32(values.count))
        for value in values { string(value) }
    }

    mutating func floats(_ values: [Float]) {
        u32(UInt32(values.count))
        data.reserveCapacity(data.count + values.count * 4)
        for value in values { u32(value.bitPattern) }
    }
}

/// Little-endian reading; running past the end throws `truncated`.
struct ByteReader {
    private let bytes: ArraySlice<UInt8>
    private var position: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        position = bytes.startIndex
    }

    private mutating func take(_ count: Int) throws(ModelFile.DecodeError) -> ArraySlice<UInt8> {
        guard count >= 0, bytes.endIndex - position >= count else { throw .truncated }
        defer { position += count }
        return bytes[position..<(position + count)]
    }

    func peekU64() -> UInt64 {
        bytes.prefix(8).reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }

    mutating func u32(_: Void = ()) throws(ModelFile.DecodeError) -> UInt32 {
        try take(4).reversed().reduce(0) { $0 << 8 | UInt32($1) }
    }

    mutating func u64() throws(ModelFile.DecodeError) -> UInt64 {
        try take(8).reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }

    mutating func i64() throws(ModelFile.DecodeError) -> Int64 { Int64(bitPattern: try u64()) }
    mutating func f64() throws(ModelFile.DecodeError) -> Double { Double(bitPattern: try u64()) }

    /// A count of items that follow, each at least one byte: larger than what is left means damage.
    mutating func count() throws(ModelFile.DecodeError) -> Int {
        let value = Int(try u32())
        guard value <= bytes.endIndex - position else { throw .truncated }
        return value
    }

    mutating func string() throws(ModelFile.DecodeError) -> String {
        let length = Int(try u32())
        return String(decoding: try take(length), as: UTF8.self)
    }

    mutating func strings() throws(ModelFile.DecodeError) -> [String] {
        var values: [String] = []
        for _ in 0..<(try count()) { values.append(try string()) }
        return values
    }

    /// Item-to-item rows (`Neighbours`) over `itemCount` items, refused unless every offset and item is in range.
    mutating func neighbours(itemCount: Int) throws(ModelFile.DecodeError) -> Neighbours {
        var starts: [Int] = []
        for _ in 0..<(try count()) { starts.append(Int(try u32())) }
        var items: [Int32] = []
        for _ in 0..<(try count()) { items.append(Int32(bitPattern: try u32())) }
        let scores = try floats()
        guard starts.count == itemCount + 1, starts.first == 0, starts.last == items.count, zip(starts, starts.dropFirst()).allSatisfy({ $0 <= $1 }),
              scores.count == items.count, items.allSatisfy({ $0 >= 0 && Int($0) < itemCount }) else { throw .notAModel }
        return Neighbours(start: starts, items: items, scores: scores)
    }

    mutating func floats() throws(ModelFile.DecodeError) -> [Float] {
        let count = Int(try u32())
        let raw = try take(count * 4)
        var values = [Float](repeating: 0, count: count)
        raw.withUnsafeBytes { buffer in
            for index in 0..<count { values[index] = Float(bitPattern: UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self))) }
        }
        return values
    }
}
