/// A document path into an item: a top-level attribute, then map keys and list indexes (`a.b[2].c`).
public struct AttributePath: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    public enum Element: Sendable, Hashable {
        case name(String)
        case index(Int)
    }

    /// At least one element, the first always a `.name`.
    public let elements: [Element]

    /// The top-level attribute `name` (taken literally: a dot in it is part of the name).
    public init(_ name: String) { elements = [.name(name)] }

    public init(stringLiteral value: String) { self.init(value) }

    /// A path of several elements; the first must be a name.
    public init(elements: [Element]) {
        precondition(!elements.isEmpty, "a path needs at least one element")
        if case .index = elements[0] { preconditionFailure("a path starts with an attribute name") }
        self.elements = elements
    }

    /// The top-level attribute this path starts at.
    public var root: String {
        guard case .name(let name) = elements[0] else { preconditionFailure("a path starts with an attribute name") }
        return name
    }

    public var description: String {
        var text = ""
        for element in elements {
            switch element {
            case .name(let name): text += text.isEmpty ? name : ".\(name)"
            case .index(let i): text += "[\(i)]"
            }
        }
        return text
    }

    /// True when one path is a prefix of the other (they would touch the same data).
    func overlaps(_ other: AttributePath) -> Bool {
        let shared = min(elements.count, other.elements.count)
        return Array(elements.prefix(shared)) == Array(other.elements.prefix(shared))
    }

    /// The value at this path in `item`, or nil when any step is missing or of the wrong type.
    func value(in item: Item?) -> AttributeValue? {
        guard let item, var current = item[root] else { return nil }
        for element in elements.dropFirst() {
            switch (element, current) {
            case let (.name(key), .map(map)):
                guard let next = map[key] else { return nil }
                current = next
            case let (.index(i), .list(list)):
                guard i >= 0, i < list.count else { return nil }
                current = list[i]
            default:
                return nil
            }
        }
        return current
    }

    /// Sets the value at this path. Intermediate maps and lists must exist; an index past the end of a list appends.
    func set(_ value: AttributeValue, in item: inout Item) throws(StoreError) {
        if elements.count == 1 {
            item[root] = value
            return
        }
        guard var top = item[root] else { throw invalidPath("\(root) does not exist") }
        try Self.set(value, at: elements.dropFirst(), in: &top, path: self)
        item[root] = top
    }

    private static func set(_ value: AttributeValue, at rest: ArraySlice<Element>, in container: inout AttributeValue,
                            path: AttributePath) throws(StoreError) {
        let head = rest[rest.startIndex]
        let tail = rest.dropFirst()
        switch (head, container) {
        case (.name(let key), .map(var map)):
            if tail.isEmpty {
                map[key] = value
            } else {
                guard var child = map[key] else { throw path.invalidPath("\(key) does not exist") }
                try set(value, at: tail, in: &child, path: path)
                map[key] = child
            }
            container = .map(map)
        case (.index(let i), .list(var list)):
            if tail.isEmpty {
                if i >= list.count { list.append(value) } else { list[i] = value }
            } else {
                guard i < list.count else { throw path.invalidPath("index \(i) is past the end of the list") }
                var child = list[i]
                try set(value, at: tail, in: &child, path: path)
                list[i] = child
            }
            container = .list(list)
        default:
            throw path.invalidPath("a step does not match the type of the value it descends into")
        }
    }

    /// Removes the value at this path; missing paths are left alone, as DynamoDB does.
    func remove(from item: inout Item) {
        if elements.count == 1 {
            item[root] = nil
            return
        }
        guard var top = item[root] else { return }
        Self.remove(at: elements.dropFirst(), in: &top)
        item[root] = top
    }

    private static func remove(at rest: ArraySlice<Element>, in container: inout AttributeValue) {
        let head = rest[rest.startIndex]
        let tail = rest.dropFirst()
        switch (head, container) {
        case (.name(let key), .map(var map)):
            if tail.isEmpty { map[key] = nil } else if var child = map[key] {
                remove(at: tail, in: &child)
                map[key] = child
            }
            container = .map(map)
        case (.index(let i), .list(var list)):
            guard i >= 0, i < list.count else { return }
            if tail.isEmpty { list.remove(at: i) } else {
                remove(at: tail, in: &list[i])
            }
            container = .list(list)
        default:
            return
        }
    }

    private func invalidPath(_ detail: String) -> StoreError {
        .validation("the document path \(self) is invalid for update: \(detail)")
    }
}
