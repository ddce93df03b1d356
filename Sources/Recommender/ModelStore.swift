import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Model files in a directory (`models/` under the data directory): `model-<version>.bin` each, and
/// `CURRENT` naming the version in service. Every file is written to a temporary name, fsynced and renamed
/// into place (and the directory fsynced), so after a crash a file is either whole or absent and `CURRENT`
/// names a version that was whole when it was written.
public struct ModelStore: Sendable {
    public let directory: String

    /// Why a model could not be written or read, with the path involved.
    public enum StoreError: Error, Equatable, CustomStringConvertible {
        case io(path: String, reason: String)
        case damaged(path: String, reason: String)
        case missing(version: Int)

        public var description: String {
            switch self {
            case .io(let path, let reason): "\(path): \(reason)"
            case .damaged(let path, let reason): "\(path): \(reason)"
            case .missing(let version): "no model file for version \(version)"
            }
        }
    }

    public init(directory: String) {
        self.directory = directory
    }

    func path(_ version: Int) -> String { directory + "/model-\(version).bin" }
    var currentPath: String { directory + "/CURRENT" }

    /// Writes `model` as its version's file (replacing one of the same version).
    public func save(_ model: RecommendationModel) throws(StoreError) {
        try writeDurably(ModelFile.encode(model), to: path(model.version))
    }

    public func load(version: Int) throws(StoreError) -> RecommendationModel {
        let file = path(version)
        guard let data = FileManager.default.contents(atPath: file) else { throw .missing(version: version) }
        do {
            return try ModelFile.decode(Array(data))
        } catch {
            throw .damaged(path: file, reason: error.description)
        }
    }

    /// Removes a version's file; nothing happens if there is none.
    public func delete(version: Int) throws(StoreError) {
        let file = path(version)
        guard FileManager.default.fileExists(atPath: file) else { return }
        guard unlink(file) == 0 else { throw .io(path: file, reason: String(cString: strerror(errno))) }
        try syncDirectory()
    }

    /// Versions with a file, lowest first.
    public func versions() -> [Int] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.compactMap { name -> Int? in
            guard name.hasPrefix("model-"), name.hasSuffix(".bin") else { return nil }
            return Int(name.dropFirst(6).dropLast(4))
        }.sorted()
    }

    /// The version `CURRENT` names, if any.
    public func currentVersion() -> Int? {
        guard let text = try? String(contentsOfFile: currentPath, encoding: .utf8) else { return nil }
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Names `version` (nil: none) as the one in service.
    public func setCurrent(_ version: Int?) throws(StoreError) {
        guard let version else {
            if FileManager.default.fileExists(atPath: currentPath), unlink(currentPath) != 0 {
                throw .io(path: currentPath, reason: String(cString: strerror(errno)))
            }
            try syncDirectory()
            return
        }
        try writeDurably(Array("\(version)\n".utf8), to: currentPath)
    }

    private func writeDurably(_ bytes: [UInt8], to file: String) throws(StoreError) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .io(path: directory, reason: "cannot create the directory: \(error.localizedDescription)")
        }
        let temporary = file + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw .io(path: temporary, reason: String(cString: strerror(errno))) }
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
            guard result > 0 else {
                let reason = String(cString: strerror(errno))
                close(fd)
                unlink(temporary)
                throw .io(path: temporary, reason: reason)
            }
            written += result
        }
        guard fsync(fd) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            unlink(temporary)
            throw .io(path: temporary, reason: "fsync: \(reason)")
        }
        close(fd)
        guard rename(temporary, file) == 0 else { throw .io(path: file, reason: String(cString: strerror(errno))) }
        try syncDirectory()
    }

    private func syncDirectory() throws(StoreError) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY)
        guard fd >= 0 else { throw .io(path: directory, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw .io(path: directory, reason: "fsync: \(String(cString: strerror(errno)))") }
    }
}
