import Foundation

/// What the console needs of a shop: a snapshot to draw, and a way to carry out an operator's action. The
/// shop in the same process implements it directly; `shopdeck console --connect` implements it over the
/// admin API. The console knows nothing else of the shop.
public protocol DashboardSource: Sendable {
    /// The shop now, with the rows `focus` asks for; traffic over the last `windowSeconds` (300, 3,600 or
    /// 86,400) when given, else over the sliding minute.
    func snapshot(focus: DashboardFocus?, windowSeconds: Int?) async throws(SourceError) -> DashboardSnapshot
    /// Carries out `action` (checked and audited by the shop) and says what happened.
    func perform(_ action: OperatorAction) async throws(OperatorError) -> OperatorOutcome
    /// Whether actions are refused whatever they are (a viewer token, `--read-only`): the console then hides
    /// its changing keys and says why when one is pressed.
    var readOnly: Bool { get }
}

/// The time windows a snapshot's traffic can cover besides the sliding minute: 5 minutes, an hour, a day.
public enum TrafficWindows {
    public static let seconds = [300, 3600, 86_400]
}

/// Why a snapshot could not be had: the shop is not reachable, or answered with an error.
public struct SourceError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}

/// The JSON form of snapshots and actions on the wire, the same at both ends: dates as seconds since 1970
/// (with fractions), keys sorted.
public enum DashboardCoding {
    /// The header of `GET /admin/dashboard` naming the token's role (`admin` or `viewer`).
    public static let roleHeader = "X-Shopdeck-Role"

    public static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    public static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return decoder
    }()
}
