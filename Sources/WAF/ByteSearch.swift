/// Substring search over bytes, shared by the detectors and the body parsers. Needles may be written as
/// string literals: they are searched in place, without building an array per call.
enum ByteSearch {
    /// The first index at or after `start` where `needle` occurs in `haystack`.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        needle.withUnsafeBufferPointer { find($0, in: haystack, from: start) }
    }

    static func find(_ needle: StaticString, in haystack: [UInt8], from start: Int) -> Int? {
        needle.withUTF8Buffer { find($0, in: haystack, from: start) }
    }

    static func find(_ needle: String, in haystack: [UInt8], from start: Int) -> Int? {
        var needle = needle
        return needle.withUTF8 { find($0, in: haystack, from: start) }
    }

    static func find(_ needle: UnsafeBufferPointer<UInt8>, in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, start >= 0, start <= haystack.count - needle.count else { return nil }
        return haystack.withUnsafeBufferPointer { hay in
            let first = needle[0]
            var index = start
            let last = hay.count - needle.count
            while index <= last {
                if hay[index] == first {
                    var matched = 1
                    while matched < needle.count, hay[index + matched] == needle[matched] { matched += 1 }
                    if matched == needle.count { return index }
                }
                index += 1
            }
            return nil
        }
    }
}

/// Many needles searched in one pass: candidates are tried only where a needle's first byte occurs. The
/// table is flat (one array of candidates, indexed by first byte) so the scan touches no nested arrays.
struct NeedleSet: Sendable {
    let needles: [[UInt8]]
    /// Candidates for first byte `b` are `candidates[starts[b]..<starts[b + 1]]`.
    private let starts: [Int]
    private let candidates: [Int]

    init(_ texts: [String]) {
        needles = texts.map { Array($0.utf8) }
        var byFirstByte = [[Int]](repeating: [], count: 256)
        for (index, needle) in needles.enumerated() where !needle.isEmpty { byFirstByte[Int(needle[0])].append(index) }
        var starts = [0]
        for list in byFirstByte { starts.append(starts.last! + list.count) }
        self.starts = starts
        candidates = byFirstByte.flatMap { $0 }
    }

    /// The earliest occurrence of any needle in `haystack` (ties go to the needle listed first), as
    /// (needle index, offset).
    func firstMatch(in haystack: [UInt8]) -> (needle: Int, offset: Int)? {
        var found: (needle: Int, offset: Int)?
        scan(haystack) { needle, offset in
            found = (needle, offset)
            return false
        }
        return found
    }

    /// Every occurrence, in order of offset.
    func matches(in haystack: [UInt8]) -> [(needle: Int, offset: Int)] {
        var found: [(needle: Int, offset: Int)] = []
        scan(haystack) { needle, offset in
            found.append((needle, offset))
            return true
        }
        return found
    }

    /// Calls `visit` for each occurrence in order until it returns false.
    private func scan(_ haystack: [UInt8], _ visit: (Int, Int) -> Bool) {
        haystack.withUnsafeBufferPointer { hay in
            starts.withUnsafeBufferPointer { starts in
                candidates.withUnsafeBufferPointer { candidates in
                    for offset in 0..<hay.count {
                        let byte = Int(hay[offset])
                        var slot = starts[byte]
                        let end = starts[byte + 1]
                        while slot < end {
                            let candidate = candidates[slot]
                            let matched = needles[candidate].withUnsafeBufferPointer { needle in
                                guard offset + needle.count <= hay.count else { return false }
                                var index = 1
                                while index < needle.count, hay[offset + index] == needle[index] { index += 1 }
                                return index == needle.count
                            }
                            if matched, !visit(candidate, offset) { return }
                            slot += 1
                        }
                    }
                }
            }
        }
    }
}
