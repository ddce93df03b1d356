/// Something a `MinHeap` can order: smaller keys come out first.
package protocol HeapKeyed {
    var heapKey: Int64 { get }
}

/// A binary min-heap, for timers: the store's expiries, the broker's visibility timeouts and delays, sleeps.
package struct MinHeap<Element: HeapKeyed & Sendable>: Sendable {
    private(set) package var elements: [Element] = []

    package init() {}

    package var count: Int { elements.count }
    package var first: Element? { elements.first }

    package mutating func insert(_ element: Element) {
        elements.append(element)
        var child = elements.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard elements[child].heapKey < elements[parent].heapKey else { break }
            elements.swapAt(child, parent)
            child = parent
        }
    }

    package mutating func popFirst() -> Element? {
        guard !elements.isEmpty else { return nil }
        elements.swapAt(0, elements.count - 1)
        let top = elements.removeLast()
        var parent = 0
        while true {
            let left = parent * 2 + 1, right = left + 1
            var smallest = parent
            if left < elements.count, elements[left].heapKey < elements[smallest].heapKey { smallest = left }
            if right < elements.count, elements[right].heapKey < elements[smallest].heapKey { smallest = right }
            guard smallest != parent else { break }
            elements.swapAt(parent, smallest)
            parent = smallest
        }
        return top
    }

    package mutating func removeAll() { elements.removeAll() }
}
