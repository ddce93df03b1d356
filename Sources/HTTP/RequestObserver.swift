import Addressing
/// One answered request, as the server saw it: for dashboards that watch traffic live.
public struct AnsweredRequest: Sendable {
    public var method: String
    /// The matched route's pattern (`/api/products/{id}`), so paths group without unbounded cardinality;
    /// nil when no route matched.
    public var route: String?
    public var status: Int
    public var microseconds: UInt64
    /// The TCP peer's address.
    public var peer: IPAddress
}

/// Told of every answered request, on the event loop that answered it: must be quick and never block.
public protocol RequestObserver: Sendable {
    func observe(_ request: AnsweredRequest)
}
