import Foundation

/// EASE (Steck, "Embarrassingly Shallow Autoencoders for Sparse Data", 2019): an item × item weight matrix
/// in closed form, B = I − P·diag(1/diag(P)) with P = (XᵀX + λI)⁻¹ and a zero diagonal, so a user's score
/// for item j is Σᵢ x_ui · B_ij. Dense n × n, so it is trained while the catalogue has at most
/// `maximumItems` items; beyond that the item-kNN model serves alone.
public struct EASE: Sendable {
    public var lambda: Double
    public var maximumItems: Int
    public var threads = max(1, ProcessInfo.processInfo.activeProcessorCount)

    public init(lambda: Double = 250, maximumItems: Int = 3000) {
        self.lambda = lambda
        self.maximumItems = maximumItems
    }

    /// The weights, row-major n × n as Float; nil when the catalogue is larger than `maximumItems`.
    public func weights(_ matrix: InteractionMatrix) -> DenseWeights? {
        let n = matrix.itemCount
        guard n > 0, n <= maximumItems else { return nil }
        var gram = [Double](repeating: 0, count: n * n)
        for user in 0..<matrix.userCount {
            let range = matrix.userStart[user]..<matrix.userStart[user + 1]
            for a in range {
                let i = Int(matrix.entryItems[a]), wa = Double(matrix.entryWeights[a])
                for b in range {
                    gram[i * n + Int(matrix.entryItems[b])] += wa * Double(matrix.entryWeights[b])
                }
            }
        }
        for i in 0..<n { gram[i * n + i] += lambda }
        SymmetricInverse.invertInPlace(&gram, n: n, threads: threads)
        var weights = [Float](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0..<n where i != j {
                weights[i * n + j] = Float(-gram[i * n + j] / gram[j * n + j])
            }
        }
        return DenseWeights(n: n, values: weights)
    }
}

/// An n × n Float matrix, row-major.
public struct DenseWeights: Sendable, Equatable {
    public let n: Int
    let values: [Float]

    public subscript(row: Int, column: Int) -> Float { values[row * n + column] }

    /// Adds `weight` × row `row` into `scores`.
    func accumulate(row: Int, weight: Float, into scores: inout [Float]) {
        values.withUnsafeBufferPointer { all in
            scores.withUnsafeMutableBufferPointer { out in
                let base = row * n
                for j in 0..<n { out[j] += weight * all[base + j] }
            }
        }
    }
}

/// In-place Gauss–Jordan inversion of a symmetric positive-definite matrix (no pivoting needed: every
/// pivot stays positive). n³ multiply-adds, each pivot's row updates split across threads.
enum SymmetricInverse {
    /// The matrix's storage shared by the threads of one pivot step. Safe to share unchecked: during a
    /// step, thread t writes only rows in its own disjoint range and reads the pivot row, which no thread
    /// writes in that step (it was finished before the step began); steps are separated by the join of
    /// `concurrentPerform`.
    private struct Shared: @unchecked Sendable {
        let base: UnsafeMutablePointer<Double>
    }

    static func invertInPlace(_ matrix: inout [Double], n: Int, threads: Int) {
        matrix.withUnsafeMutableBufferPointer { buffer in
            let shared = Shared(base: buffer.baseAddress!)
            var pivotRow = [Double](repeating: 0, count: n)
            for p in 0..<n {
                let a = shared.base
                let pivot = a[p * n + p]
                // Row p becomes (row p) / pivot, with the pivot's own place holding 1 / pivot.
                a[p * n + p] = 1
                for j in 0..<n { a[p * n + j] /= pivot }
                for j in 0..<n { pivotRow[j] = a[p * n + j] }
                pivotRow.withUnsafeBufferPointer { pivotBuffer in
                    let pivotShared = SharedRow(base: pivotBuffer.baseAddress!)
                    let work = n * n
                    let parts = work < 250_000 ? 1 : threads
                    parallelRanges(n, threads: parts) { _, rows in
                        let a = shared.base, row = pivotShared.base
                        for r in rows where r != p {
                            let factor = a[r * n + p]
                            guard factor != 0 else { continue }
                            a[r * n + p] = 0
                            let target = a + r * n
                            for j in 0..<n { target[j] -= factor * row[j] }
                        }
                    }
                }
            }
        }
    }

    /// The pivot row, read by every thread of a step and written by none.
    private struct SharedRow: @unchecked Sendable {
        let base: UnsafePointer<Double>
    }
}
