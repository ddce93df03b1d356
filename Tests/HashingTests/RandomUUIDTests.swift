import Foundation
import Hashing
import Testing

@Suite struct RandomUUIDTests {
    /// Foundation's parser is the yardstick: every identifier must be a UUID it reads back to the same text,
    /// with the version 4 and RFC 4122 variant bits, and none may repeat — across several refills of the pool.
    @Test func identifiersAreDistinctVersion4UUIDsFoundationReadsBack() {
        var seen = Set<String>()
        for _ in 0..<2_000 {
            let text = RandomUUID.next()
            #expect(text.utf8.count == 36)
            #expect(UUID(uuidString: text)?.uuidString.lowercased() == text)
            let characters = Array(text)
            #expect(characters[14] == "4")
            #expect("89ab".contains(characters[19]))
            #expect(text == text.lowercased())
            seen.insert(text)
        }
        #expect(seen.count == 2_000)
    }

    /// Every hex digit position takes many values: a pool handed out twice, or a formatting slip that pins a
    /// digit, would show as a position with few.
    @Test func everyRandomDigitVaries() {
        var values = Array(repeating: Set<Character>(), count: 36)
        for _ in 0..<500 {
            for (index, character) in RandomUUID.next().enumerated() { values[index].insert(character) }
        }
        for index in 0..<36 where ![8, 13, 14, 18, 23].contains(index) {
            #expect(values[index].count >= (index == 19 ? 4 : 12), "position \(index)")
        }
    }
}
