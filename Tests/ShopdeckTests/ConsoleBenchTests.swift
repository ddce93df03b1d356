import Testing
@testable import shopdeck

/// The console benchmark's memory figures: a retraining's transient peak must not pass for growth, and a
/// demo that does grow must show it.
@Suite struct ConsoleBenchTests {
    /// A sample every 15 s for four minutes, `megabytes` given the sample's number (1–16).
    func samples(_ megabytes: (Int) -> Double) -> [(minutes: Double, megabytes: Double)] {
        (1...16).map { index -> (minutes: Double, megabytes: Double) in (Double(index) / 4, megabytes(index)) }
    }

    @Test func eachMinutesLowestSampleLeavesTransientPeaksOut() {
        // Flat at 60 MB, with a 100 MB retraining peak in minutes 2 and 4.
        let flat = samples { index in index == 6 || index == 15 ? 100 : 60 }
        let floors = ConsoleBenchmark.minuteFloors(flat)
        #expect(floors.map { $0.x } == [1, 2, 3, 4])
        #expect(floors.map { $0.y } == [60, 60, 60, 60])
        #expect(ConsoleBenchmark.trend(floors) == 0)
        #expect(ConsoleBenchmark.trend(flat.map { ($0.minutes, $0.megabytes) }) > 0)  // the late peak tilts the plain trend

        let growing = samples { index in 50 + Double(index) / 4 }
        #expect(abs(ConsoleBenchmark.trend(ConsoleBenchmark.minuteFloors(growing)) - 1) < 1e-9)
    }
}
