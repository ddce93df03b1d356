import Testing
@testable import Shop

/// The allocator settings `shopdeck` applies at start-up reach the C library (a renamed or missing symbol
/// would silently leave the demo growing again).
@Suite struct ProcessMemoryTests {
    @Test func theCLibraryTakesTheMmapThreshold() {
        #expect(ProcessMemory.returnLargeBlocksAtOnce(above: 256 * 1024))
    }
}
