/// Where a one-pass JSON scanner is in a document: a stack of open containers — for an object the key being
/// read, for an array the element's index — and the path they name (`items[0].productId`). Shared by the
/// WAF's string scanner and the API's whole-number check, which walk documents the same way.
public struct JSONPath: Sendable {
    private struct Container: Sendable {
        var isObject: Bool
        var key = ""
        var element = 0
    }

    private var containers: [Container] = []

    public init() {}

    /// How many containers are open.
    public var depth: Int { containers.count }

    public mutating func open(object: Bool) {
        containers.append(Container(isObject: object))
    }

    /// Closes the innermost container; false when none was open or it was of the other kind.
    @discardableResult
    public mutating func close(object: Bool) -> Bool {
        containers.popLast()?.isObject == object
    }

    /// After a comma: an array moves to its next element. Whether the innermost container is an object (a key
    /// comes next); nil when none is open.
    public mutating func nextMember() -> Bool? {
        guard let innermost = containers.last else { return nil }
        if !innermost.isObject { containers[containers.count - 1].element += 1 }
        return innermost.isObject
    }

    /// Names the member the innermost object is reading; false (and nothing named) when it is not an object.
    @discardableResult
    public mutating func setKey(_ key: String) -> Bool {
        guard containers.last?.isObject == true else { return false }
        containers[containers.count - 1].key = key
        return true
    }

    /// `items[0].productId`: keys joined by dots, array elements by their index.
    public var text: String {
        var text = ""
        for container in containers {
            if container.isObject {
                if !text.isEmpty { text += "." }
                text += container.key
            } else {
                text += "[\(container.element)]"
            }
        }
        return text
    }
}
