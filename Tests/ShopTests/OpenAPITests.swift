import Foundation
import HTTP
import Testing
@testable import Shop
@testable import ShopHTTP

@Suite struct OpenAPITests {
    /// `METHOD /path` for every operation under `paths:` (two-space indented paths, four-space methods).
    static func documentedOperations(_ yaml: String) -> Set<String> {
        var operations: Set<String> = []
        var inPaths = false
        var path: String?
        for line in yaml.split(separator: "\n", omittingEmptySubsequences: false) {
            if !line.hasPrefix(" ") { inPaths = line == "paths:"; path = nil; continue }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), line.hasSuffix(":"), !line.hasPrefix("   ") {
                path = String(line.dropFirst(2).dropLast())
            } else if let path, line.hasPrefix("    "), !line.hasPrefix("     "), line.hasSuffix(":") {
                let method = line.dropFirst(4).dropLast().uppercased()
                if ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"].contains(method) { operations.insert("\(method) \(path)") }
            }
        }
        return operations
    }

    @Test func everyRouteIsDocumentedAndEveryDocumentedOperationIsRouted() async throws {
        let shop = try await TestShop.start()
        defer { Task { await shop.stop() } }
        let yaml = try #require(Assets.read("openapi.yaml").flatMap { String(data: $0, encoding: .utf8) })
        let documented = Self.documentedOperations(yaml)
        let routed = Set(shop.edge.router(server: ServerReference()).routes.map(\.name))
        #expect(routed.count > 30)
        #expect(routed.subtracting(documented).sorted() == [], "routes missing from assets/openapi.yaml")
        #expect(documented.subtracting(routed).sorted() == [], "documented operations with no route")

        let served = try await shop.call("GET", "/openapi.yaml")
        #expect(served.status == 200)
        #expect(served.text == yaml)
    }

    @Test func theParserFindsPathsAndMethodsOnly() {
        let yaml = """
        openapi: 3.0.3
        components:
          schemas:
            Thing:
              get: {}
        paths:
          /a/{id}:
            get:
              summary: x
            parameters: []
          /b:
            post:
              responses: {}
        """
        #expect(Self.documentedOperations(yaml) == ["GET /a/{id}", "POST /b"])
    }
}
