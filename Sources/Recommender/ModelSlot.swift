import Synchronization

/// The model in service, swapped atomically. A reader gets a strong reference, so a swap never frees a
/// model in use, and the slot itself holds only the model in service.
///
/// Every read takes the lock for a pointer copy and a retain (tens of nanoseconds uncontended; requests
/// read it once). An earlier version cached the model per thread to read it without the lock, but a thread
/// that stopped reading kept whatever model it last saw: in the demo, which retrains every three minutes,
/// each retraining left another model resident on some worker thread (+20 MB a run).
public final class ModelSlot: Sendable {
    private let published: Mutex<RecommendationModel?>

    public init(_ model: RecommendationModel? = nil) {
        published = Mutex(model)
    }

    /// Puts `model` in service from the next read on (nil: none); the previous model is freed once its last
    /// reader lets go of it.
    public func publish(_ model: RecommendationModel?) {
        published.withLock { $0 = model }
    }

    /// The model in service.
    public var current: RecommendationModel? {
        published.withLock { $0 }
    }
}
