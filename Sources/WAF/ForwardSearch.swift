/// Searches that only move forward, for detectors that ask the same question from many increasing
/// positions of one value (`the next >`, `the next on…=`): each answers in amortised constant time, so a
/// detector that asks at every `<` or quote stays linear in the value's length. Positions asked about must
/// not decrease.

/// The next occurrence of one byte at or after a position (or the value's length when there is none).
struct ForwardSearch {
    private let value: [UInt8]
    private let byte: UInt8
    /// The first occurrence at or after the last position asked about.
    private var found = -1

    init(_ value: [UInt8], byte: UInt8) {
        self.value = value
        self.byte = byte
    }

    mutating func next(from position: Int) -> Int {
        if found >= position { return found }
        var index = position
        while index < value.count, value[index] != byte { index += 1 }
        found = index
        return index
    }
}

/// Where a run of bytes that `belongs` accepts, starting at a position, ends.
struct ForwardRun {
    private let value: [UInt8]
    private let belongs: (UInt8) -> Bool
    /// The last run measured: [start, end).
    private var start = -1
    private var end = -1

    init(_ value: [UInt8], _ belongs: @escaping (UInt8) -> Bool) {
        self.value = value
        self.belongs = belongs
    }

    mutating func end(from position: Int) -> Int {
        // Inside the last run, the run from here ends where it did.
        if position >= start, position <= end { return end }
        var index = position
        while index < value.count, belongs(value[index]) { index += 1 }
        start = position
        end = index
        return index
    }
}

/// Event-handler attributes (`on` + at least three letters, optional spaces, `=`) after whitespace, a
/// quote or `/`, found left to right.
struct EventHandlers {
    struct Handler {
        var start: Int
        var nameEnd: Int
        /// The index of the `=`.
        var equals: Int
    }

    private let value: [UInt8]
    /// The first handler found at or after the last position asked about, if any.
    private var found: Handler?
    /// The last search reached the end without finding one: none starts later either.
    private var exhausted = false

    init(_ value: [UInt8]) {
        self.value = value
    }

    /// The first handler starting at or after `position`. Each search starts past the handler the last
    /// one found, so the searches cover disjoint stretches of the value.
    mutating func first(from position: Int) -> Handler? {
        if let found, found.start >= position { return found }
        if exhausted { return nil }
        var index = position
        while index + 3 < value.count {
            if let handler = handler(at: index) {
                found = handler
                return handler
            }
            index += 1
        }
        found = nil
        exhausted = true
        return nil
    }

    private func handler(at index: Int) -> Handler? {
        guard value[index] == UInt8(ascii: "o"), value[index + 1] == UInt8(ascii: "n") else { return nil }
        let before = index == 0 ? UInt8(ascii: " ") : value[index - 1]
        guard before <= 0x20 || before == UInt8(ascii: "/") || before == UInt8(ascii: "\"") || before == UInt8(ascii: "'") else { return nil }
        var cursor = index + 2
        while cursor < value.count, Transforms.isLetter(value[cursor]) { cursor += 1 }
        let nameEnd = cursor
        guard nameEnd - index - 2 >= 3 else { return nil }
        while cursor < value.count, value[cursor] <= 0x20 { cursor += 1 }
        guard cursor < value.count, value[cursor] == UInt8(ascii: "=") else { return nil }
        return Handler(start: index, nameEnd: nameEnd, equals: cursor)
    }
}
