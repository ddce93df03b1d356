import Foundation
import Testing
@testable import Shop

/// `assets/catalog.json` is the generator's output, committed; this keeps the two the same. Run with
/// `SHOPDECK_WRITE_CATALOG=1` to write the file from the generator.
@Suite struct CatalogAssetTests {
    static var assetPath: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("assets/catalog.json").path
    }

    static func render(_ products: [Product]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let lines = products.map { String(decoding: try! encoder.encode($0), as: UTF8.self) }
        return "{\"version\":1,\"products\":[\n" + lines.joined(separator: ",\n") + "\n]}\n"
    }

    @Test func theCommittedCatalogIsTheGeneratorsOutput() throws {
        let generated = CatalogGenerator.products()
        if ProcessInfo.processInfo.environment["SHOPDECK_WRITE_CATALOG"] == "1" {
            try Self.render(generated).write(toFile: Self.assetPath, atomically: true, encoding: .utf8)
        }
        let data = try #require(FileManager.default.contents(atPath: Self.assetPath))
        let file = try JSONDecoder().decode(CatalogFile.self, from: data)
        #expect(file.products == generated)
        #expect(file.products.count >= 1000)
        #expect(Set(file.products.map(\.id)).count == file.products.count)
        #expect(Set(file.products.map(\.category)).count >= 8)
        #expect(file.products.allSatisfy { $0.price > 0 && $0.stock >= 0 && !$0.tags.isEmpty && $0.currency == "JPY" })
    }

    @Test func theGeneratorIsDeterministic() {
        #expect(CatalogGenerator.products(count: 50, seed: 7) == CatalogGenerator.products(count: 50, seed: 7))
        #expect(CatalogGenerator.products(count: 50, seed: 7) != CatalogGenerator.products(count: 50, seed: 8))
    }
}
