/// Comparisons whose running time does not depend on where inputs differ.
public enum ConstantTime {
    /// True when `a` and `b` hold the same bytes. Time depends only on the lengths, so a MAC or
    /// token check does not tell an attacker how many leading bytes were right.
    @inlinable
    public static func equals<A: Collection, B: Collection>(_ a: A, _ b: B) -> Bool
    where A.Element == UInt8, B.Element == UInt8 {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }
}
