import Foundation

/// Finds the repository's `assets/` directory at run time: `SHOPDECK_ASSETS` if set, then `./assets`, then
/// `assets/` beside the build directory the executable (or test bundle) runs from.
public enum Assets {
    public static var directory: String? {
        var candidates: [String] = []
        if let configured = ProcessInfo.processInfo.environment["SHOPDECK_ASSETS"] { candidates.append(configured) }
        candidates.append(FileManager.default.currentDirectoryPath + "/assets")
        if let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            var url = URL(fileURLWithPath: executable).deletingLastPathComponent()
            for _ in 0..<5 {
                candidates.append(url.appendingPathComponent("assets").path)
                url = url.deletingLastPathComponent()
            }
        }
        return candidates.first { FileManager.default.fileExists(atPath: $0 + "/catalog.json") }
    }

    /// The contents of `assets/NAME`, if the directory is found.
    public static func read(_ name: String) -> Data? {
        directory.flatMap { FileManager.default.contents(atPath: $0 + "/" + name) }
    }
}
