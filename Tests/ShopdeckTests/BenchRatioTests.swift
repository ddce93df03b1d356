import Testing
@testable import shopdeck

@Suite struct BenchRatioTests {
    /// Both store figures are set against both fsync limits (issue 20's 0.7× targets) and against SQLite.
    @Test func putsAndDecrementsAreSetAgainstBothFsyncLimitsAndSQLite() {
        let results = [
            BenchResult(name: "fsync_limit", params: [("batch", "64")], opsPerSecond: 300_000),
            BenchResult(name: "put", params: [("writers", "8")], opsPerSecond: 40_000),
            BenchResult(name: "put", params: [("writers", "64")], opsPerSecond: 210_000),
            BenchResult(name: "conditional_decrement", params: [("writers", "64")], opsPerSecond: 240_000),
        ]
        let anchors = ["fsync_limit_per_s": 350_000.0, "sqlite_puts_per_s": 7_000, "sqlite_hot_decr_per_s": 8_000]
        let ratios = Dictionary(uniqueKeysWithValues: BenchCommand.storeRatios(results, anchors: anchors))
        #expect(ratios.count == 6)
        #expect(ratios["put64_vs_fsync_limit (target ≥ 0.7)"] == 0.7)
        #expect(ratios["put64_vs_script_fsync_limit (target ≥ 0.7)"] == 0.6)
        #expect(ratios["put64_vs_sqlite (context)"] == 30)
        #expect(ratios["hot_decrement_vs_fsync_limit (target ≥ 0.7)"] == 0.8)
        #expect(ratios["hot_decrement_vs_script_fsync_limit (target ≥ 0.7)"].map { abs($0 - 240.0 / 350) < 1e-12 } == true)
        #expect(ratios["hot_decrement_vs_sqlite (context)"] == 30)
    }

    /// Without the script's anchors only the benchmark's own fsync limit is there to compare with.
    @Test func withoutTheScriptOnlyTheOwnLimitIsUsed() {
        let results = [BenchResult(name: "fsync_limit", params: [], opsPerSecond: 100),
                       BenchResult(name: "put", params: [("writers", "64")], opsPerSecond: 50)]
        let ratios = BenchCommand.storeRatios(results, anchors: [:])
        #expect(ratios.map(\.0) == ["put64_vs_fsync_limit (target ≥ 0.7)"])
        #expect(ratios.map(\.1) == [0.5])
    }
}
