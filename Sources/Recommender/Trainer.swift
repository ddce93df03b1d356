import Foundation

/// How models are trained: recency decay, the similarity and EASE settings, how many threads. Each departure
/// from the textbook models is a setting here, so `rec-eval` can show what it does.
public struct TrainingOptions: Sendable {
    public var decay: RecencyDecay
    /// Each user's items as 1 (had it) rather than their summed, decayed weights: the textbook binary matrix.
    public var binary = false
    public var similarity: ItemSimilarity
    public var ease: EASE
    /// Bought-next, and its weight in the personal models.
    public var boughtNext: BoughtNext
    public var threads: Int

    public init(decay: RecencyDecay = RecencyDecay(), similarity: ItemSimilarity = ItemSimilarity(), ease: EASE = EASE(),
                boughtNext: BoughtNext = BoughtNext(), threads: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)) {
        self.decay = decay
        self.boughtNext = boughtNext
        self.similarity = similarity
        self.ease = ease
        self.threads = threads
        self.similarity.threads = threads
        self.ease.threads = threads
    }
}

/// Trains every algorithm's parts from one matrix.
public struct Trainer: Sendable {
    public let options: TrainingOptions

    public init(options: TrainingOptions = TrainingOptions()) {
        self.options = options
    }

    func scorer(_ matrix: InteractionMatrix) -> Scorer {
        Scorer(itemCount: matrix.itemCount, popularity: (0..<matrix.itemCount).map { Float(matrix.buyerCount($0)) },
               neighbours: options.similarity.neighbours(matrix), ease: options.ease.weights(matrix),
               next: options.boughtNext.transitions(matrix), boughtNext: options.boughtNext)
    }

    /// `scorer` with bought-next retrained from `matrix` under this trainer's settings, the rest kept: how
    /// tuning tries bought-next's settings without training the other models again.
    func replacingNext(in scorer: Scorer, _ matrix: InteractionMatrix) -> Scorer {
        Scorer(itemCount: scorer.itemCount, popularity: scorer.popularity, neighbours: scorer.neighbours, ease: scorer.ease,
               next: options.boughtNext.transitions(matrix), boughtNext: options.boughtNext)
    }
}
