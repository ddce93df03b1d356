/// Substring search over bytes, shared by the detectors and the body parsers.
enum ByteSearch {
    /// The first index at or after `start` where `needle` occurs in `haystack`.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        var index = start
        while index <= haystack.count - needle.count {
            if haystack[index] == needle[0], haystack[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}

/// Many needles searched in one pass: candidates are tried only where a needle's first byte occurs.
struct NeedleSet: Sendable {
    let needles: [[UInt8]]
    private let byFirstByte: [[Int]]

    init(_ texts: [String]) {
        needles = texts.map { Array($0.utf8) }
        var table = [[Int]](repeating: [], count: 256)
        for (index, needle) in needles.enumerated() where !needle.isEmpty { table[Int(needle[0])].append(index) }
        byFirstByte = table
    }

    /// The earliest occurrence of any needle in `haystack` (ties go to the needle listed first), as
    /// (needle index, offset).
    func firstMatch(in haystack: [UInt8]) -> (needle: Int, offset: Int)? {
        for offset in haystack.indices {
            for candidate in byFirstByte[Int(haystack[offset])] {
                let needle = needles[candidate]
                if offset + needle.count <= haystack.count, haystack[offset..<(offset + needle.count)].elementsEqual(needle) {
                    return (candidate, offset)
                }
            }
        }
        return nil
    }

    /// Every occurrence, in order of offset.
    func matches(in haystack: [UInt8]) -> [(needle: Int, offset: Int)] {
        var found: [(Int, Int)] = []
        for offset in haystack.indices {
            for candidate in byFirstByte[Int(haystack[offset])] {
                let needle = needles[candidate]
                if offset + needle.count <= haystack.count, haystack[offset..<(offset + needle.count)].elementsEqual(needle) {
                    found.append((candidate, offset))
                }
            }
        }
        return found
    }
}
