import Foundation
import Testing

/// The README's module dependency lines come from `Package.swift`, never from memory: this test fails when
/// they differ, and `SHOPDECK_REGENERATE_README=1 swift test --filter ReadmeDependencyTests` rewrites them.
@Suite struct ReadmeDependencyTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let begin = "<!-- module dependencies: generated from Package.swift (SHOPDECK_REGENERATE_README=1 swift test --filter ReadmeDependencyTests) -->"
    static let end = "<!-- end of module dependencies -->"

    /// `name → dependencies` for every library, system-library and executable target that is not a test
    /// or a test helper, in Package.swift's order.
    static func modules(_ manifest: String) -> [(name: String, dependencies: [String], system: Bool)] {
        let pattern = try! NSRegularExpression(pattern: #"\.(target|systemLibrary|executableTarget)\(name: "([^"]+)"(?:, dependencies: \[([^\]]*)\])?([^)]*)\)"#)
        let range = NSRange(manifest.startIndex..., in: manifest)
        return pattern.matches(in: manifest, range: range).compactMap { match in
            let text = { (index: Int) -> String in
                guard let range = Range(match.range(at: index), in: manifest) else { return "" }
                return String(manifest[range])
            }
            // Test helpers and fuzz entry points live under Tests/.
            guard !text(4).contains("path: \"Tests/") else { return nil }
            let dependencies = text(3).split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " \"\n")) }.filter { !$0.isEmpty }
            return (text(2), dependencies, text(1) == "systemLibrary")
        }
    }

    static func block(_ manifest: String) -> String {
        let lines = modules(manifest).map { module in
            "- `\(module.name)` → " + (module.system ? "a system library's headers (a module map, nothing to build)"
                : module.dependencies.isEmpty ? "nothing (the toolchain only)" : module.dependencies.map { "`\($0)`" }.joined(separator: ", "))
        }
        return ([begin] + lines + [end]).joined(separator: "\n")
    }

    @Test func theReadmesDependencyLinesAreThoseOfPackageSwift() throws {
        let manifest = try String(contentsOf: Self.root.appendingPathComponent("Package.swift"), encoding: .utf8)
        let readmeURL = Self.root.appendingPathComponent("README.md")
        let readme = try String(contentsOf: readmeURL, encoding: .utf8)
        let expected = Self.block(manifest)
        #expect(Self.modules(manifest).count >= 14)
        guard let start = readme.range(of: Self.begin), let stop = readme.range(of: Self.end, range: start.upperBound..<readme.endIndex) else {
            Issue.record("README.md has no generated dependency block")
            return
        }
        let current = String(readme[start.lowerBound..<stop.upperBound])
        if current != expected, ProcessInfo.processInfo.environment["SHOPDECK_REGENERATE_README"] == "1" {
            try readme.replacingCharacters(in: start.lowerBound..<stop.upperBound, with: expected).write(to: readmeURL, atomically: true, encoding: .utf8)
            return
        }
        #expect(current == expected, "README.md's module dependencies differ from Package.swift; regenerate them")
    }

    /// The layout's descriptions are prose, but every module must be in it (Simulator once was not).
    @Test func theReadmesLayoutNamesEveryModule() throws {
        let manifest = try String(contentsOf: Self.root.appendingPathComponent("Package.swift"), encoding: .utf8)
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let layout = try #require(readme.range(of: "## Layout").map { String(readme[$0.upperBound...].prefix(6000)) })
        for module in Self.modules(manifest) {
            #expect(layout.contains("  \(module.name)/"), "README.md's layout does not list \(module.name)/")
        }
    }
}

/// Package.swift is the architecture only if the code obeys it: SwiftPM lets a target import a module it
/// does not declare when that module happens to be built first, so a domain file could reach HTTP unnoticed.
@Suite struct ModuleBoundaryTests {
    static let toolchain: Set<String> = ["Foundation", "FoundationNetworking", "FoundationXML", "Dispatch", "Synchronization", "Glibc", "Testing",
                                         "Darwin", "_StringProcessing"]

    @Test func everyModuleImportsOnlyWhatPackageSwiftDeclares() throws {
        let manifest = try String(contentsOf: ReadmeDependencyTests.root.appendingPathComponent("Package.swift"), encoding: .utf8)
        let modules = ReadmeDependencyTests.modules(manifest).filter { !$0.system }
        #expect(modules.contains { $0.name == "Shop" } && modules.contains { $0.name == "ShopHTTP" })
        let importLine = try NSRegularExpression(pattern: #"^(?:@testable |@preconcurrency )?import (?:struct |enum |class |func )?([A-Za-z_][A-Za-z0-9_]*)"#,
                                                 options: .anchorsMatchLines)
        for module in modules {
            let directory = ReadmeDependencyTests.root.appendingPathComponent("Sources/\(module.name)")
            guard let files = FileManager.default.enumerator(atPath: directory.path) else { continue }
            let allowed = Set(module.dependencies).union(Self.toolchain)
            for case let file as String in files where file.hasSuffix(".swift") {
                let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
                for match in importLine.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                    guard let range = Range(match.range(at: 1), in: text) else { continue }
                    let imported = String(text[range])
                    #expect(allowed.contains(imported), "Sources/\(module.name)/\(file) imports \(imported), which Package.swift does not list for \(module.name)")
                }
            }
        }
    }

    /// Test targets too. A test file that imports a module its target reaches only through another (ShopTests
    /// importing Dashboard through Shop) is not rebuilt by an incremental build when that module's types
    /// change: the tests then ran against the old layout of `DashboardSnapshot` and crashed reading the frame
    /// it overflowed (a null `Core` in `adminToken`, 2026-12-07). Declared, the dependency is tracked.
    @Test func everyTestTargetImportsOnlyWhatPackageSwiftDeclares() throws {
        let manifest = try String(contentsOf: ReadmeDependencyTests.root.appendingPathComponent("Package.swift"), encoding: .utf8)
        let target = try NSRegularExpression(pattern: #"\.testTarget\(name: "([^"]+)"(?:, dependencies: \[([^\]]*)\])?"#)
        let importLine = try NSRegularExpression(pattern: #"^(?:@testable |@preconcurrency )?import (?:struct |enum |class |func )?([A-Za-z_][A-Za-z0-9_]*)"#,
                                                 options: .anchorsMatchLines)
        let matches = target.matches(in: manifest, range: NSRange(manifest.startIndex..., in: manifest))
        #expect(matches.count > 5)
        for match in matches {
            guard let nameRange = Range(match.range(at: 1), in: manifest) else { continue }
            let name = String(manifest[nameRange])
            let declared = Range(match.range(at: 2), in: manifest).map { String(manifest[$0]) } ?? ""
            let allowed = Set(declared.split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " \"\n")) })
                .union(Self.toolchain).union([name])
            let directory = ReadmeDependencyTests.root.appendingPathComponent("Tests/\(name)")
            guard let files = FileManager.default.enumerator(atPath: directory.path) else { continue }
            for case let file as String in files where file.hasSuffix(".swift") {
                let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
                for line in importLine.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                    guard let range = Range(line.range(at: 1), in: text) else { continue }
                    #expect(allowed.contains(String(text[range])), "Tests/\(name)/\(file) imports \(text[range]), which Package.swift does not list for \(name)")
                }
            }
        }
    }

    /// The domain must not speak HTTP: no HTTP module, and no HTTP types by name.
    @Test func theShopDomainKnowsNoHTTP() throws {
        let directory = ReadmeDependencyTests.root.appendingPathComponent("Sources/Shop")
        let files = try #require(FileManager.default.enumerator(atPath: directory.path))
        var checked = 0
        for case let file as String in files where file.hasSuffix(".swift") {
            let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            for name in ["HTTPError", "HTTPRequest", "HTTPResponse", "RequestContext", "Router"] {
                #expect(!text.contains(name), "Sources/Shop/\(file) names \(name)")
            }
            checked += 1
        }
        #expect(checked > 40)
    }
}
