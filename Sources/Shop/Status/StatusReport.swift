import Foundation

/// The answer of `GET /status`: each component's health and numbers, and security-posture findings.
public struct StatusReport: Sendable {
    public enum Health: String, Sendable, Comparable {
        case ok, degraded, down

        public static func < (lhs: Health, rhs: Health) -> Bool {
            let order: [Health] = [.ok, .degraded, .down]
            return order.firstIndex(of: lhs)! < order.firstIndex(of: rhs)!
        }
    }

    public struct Component: Sendable {
        public var health: Health
        /// Numbers and short facts (`"tables": 3`); values are JSON numbers, strings or booleans.
        public var details: [String: any Sendable]

        public init(health: Health = .ok, details: [String: any Sendable] = [:]) {
            self.health = health
            self.details = details
        }
    }

    public struct Finding: Sendable, Equatable {
        public enum Severity: String, Sendable { case info, warning, critical }
        public var severity: Severity
        public var message: String

        public init(_ severity: Severity, _ message: String) {
            self.severity = severity
            self.message = message
        }
    }

    public var components: [String: Component]
    public var findings: [Finding]

    /// The worst component health.
    public var overall: Health { components.values.map(\.health).max() ?? .ok }

    /// The contract's JSON: `{"status","components":{name:{"status",…}},"findings":[{"severity","message"}]}`.
    public var json: String {
        var components: [String: Any] = [:]
        for (name, component) in self.components {
            var object: [String: Any] = [:]
            for (key, value) in component.details { object[key] = value }
            object["status"] = component.health.rawValue
            components[name] = object
        }
        let document: [String: Any] = [
            "status": overall.rawValue,
            "components": components,
            "findings": findings.map { ["severity": $0.severity.rawValue, "message": $0.message] },
        ]
        guard let data = try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys]) else {
            return #"{"status":"down","components":{},"findings":[{"severity":"critical","message":"status could not be encoded"}]}"#
        }
        return String(decoding: data, as: UTF8.self)
    }
}
