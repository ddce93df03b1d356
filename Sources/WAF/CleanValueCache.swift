import Synchronization

/// Header and cookie values already inspected and found clean: a browser sends the same User-Agent and
/// cookies with every request, so the detectors need read them once. Values are kept whole (no hashes, so
/// nothing can collide its way past inspection), only short ones, and the set is emptied when full.
public final class CleanValueCache: Sendable {
    private let values = Mutex<Set<[UInt8]>>([])
    public let capacity: Int
    public let longestValue: Int

    public init(capacity: Int = 4096, longestValue: Int = 512) {
        self.capacity = capacity
        self.longestValue = longestValue
    }

    func contains(_ value: [UInt8]) -> Bool {
        value.count <= longestValue && values.withLock { $0.contains(value) }
    }

    func insert(_ value: [UInt8]) {
        guard value.count <= longestValue else { return }
        values.withLock { set in
            if set.count >= capacity { set.removeAll(keepingCapacity: true) }
            set.insert(value)
        }
    }

    public var count: Int { values.withLock { $0.count } }
}
