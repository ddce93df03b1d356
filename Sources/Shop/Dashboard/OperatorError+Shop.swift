import Dashboard

extension OperatorError {
    /// A domain refusal as an operator's: the same words, the nearest kind.
    public init(_ error: ShopError) {
        let kind: Kind = switch error.kind {
        case .invalid, .malformed: .invalid
        case .notFound: .notFound
        case .conflict, .locked: .conflict
        case .unauthenticated: .forbidden
        case .overloaded, .unavailable: .unavailable
        }
        self.init(kind, error.message)
    }
}
