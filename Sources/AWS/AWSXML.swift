import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// An element of an AWS query-protocol answer: its name, its text, its children. Read with the toolchain's
/// XML parser; the answers are small documents from a service the client chose to call, and anything
/// deeper than 32 levels is refused.
public struct AWSXML: Sendable, Equatable {
    public var name: String
    public var text: String
    public var children: [AWSXML]

    /// The first descendant named `name`, searched breadth-first.
    public func first(_ name: String) -> AWSXML? {
        var queue = children[...]
        while let element = queue.popFirst() {
            if element.name == name { return element }
            queue.append(contentsOf: element.children)
        }
        return nil
    }

    /// Every descendant named `name`, in document order.
    public func all(_ name: String) -> [AWSXML] {
        children.flatMap { ($0.name == name ? [$0] : []) + $0.all(name) }
    }

    public static func parse(_ data: Data) -> AWSXML? {
        let builder = Builder()
        let parser = XMLParser(data: data)
        parser.delegate = builder
        parser.shouldResolveExternalEntities = false
        guard parser.parse(), !builder.failed else { return nil }
        return builder.root
    }

    private final class Builder: NSObject, XMLParserDelegate {
        var stack: [AWSXML] = []
        var root: AWSXML?
        var failed = false

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String]) {
            guard stack.count < 32 else { failed = true; parser.abortParsing(); return }
            stack.append(AWSXML(name: name, text: "", children: []))
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if !stack.isEmpty { stack[stack.count - 1].text += string }
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            guard var element = stack.popLast() else { return }
            element.text = element.text.trimmingCharacters(in: .whitespacesAndNewlines)
            if stack.isEmpty { root = element } else { stack[stack.count - 1].children.append(element) }
        }
    }
}
