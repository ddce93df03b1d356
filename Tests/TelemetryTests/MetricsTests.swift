import Foundation
import Testing
@testable import Telemetry

@Suite struct CounterAndGaugeTests {
    @Test func concurrentIncrementsAreAllCounted() async {
        let counter = Counter()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 { group.addTask { for _ in 0..<10_000 { counter.increment() } } }
        }
        #expect(counter.value == 80_000)
        counter.increment(by: -5)
        #expect(counter.value == 80_000)
    }

    @Test func gaugeGoesUpAndDown() async {
        let gauge = Gauge()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<4 { group.addTask { for _ in 0..<1000 { gauge.add(1); gauge.add(-0.5) } } }
        }
        #expect(gauge.value == 2000)
        gauge.set(-3.25)
        #expect(gauge.value == -3.25)
    }
}

@Suite struct HistogramTests {
    @Test func percentilesAreWithinTheBucketResolution() {
        let histogram = LatencyHistogram()
        var samples: [UInt64] = []
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            // Log-uniform between 1 µs and 10 s, like real latencies.
            let value = UInt64(exp(Double.random(in: 0...log(10_000_000.0), using: &generator)))
            samples.append(value)
            histogram.record(microseconds: value)
        }
        samples.sort()
        let snapshot = histogram.snapshot()
        #expect(snapshot.count == 20_000)
        for q in [0.5, 0.9, 0.95, 0.99, 0.999] {
            let exact = Double(samples[Int((q * Double(samples.count)).rounded(.up)) - 1])
            let reported = Double(snapshot.percentile(q))
            #expect(abs(reported - exact) <= exact * 0.07 + 1, "p\(q): exact \(exact), reported \(reported)")
        }
        #expect(snapshot.percentile(1) == samples.last!)
        #expect(snapshot.maxMicroseconds == samples.last!)
        #expect(snapshot.minMicroseconds == samples.first!)
    }

    @Test func bucketBoundariesAreContiguous() {
        var previousUpper: UInt64? = nil
        for index in 0..<LatencyHistogram.bucketCount {
            let upper = LatencyHistogram.bucketUpperBound(index)
            #expect(LatencyHistogram.bucketIndex(microseconds: upper) == index)
            if let previousUpper {
                #expect(LatencyHistogram.bucketIndex(microseconds: previousUpper + 1) == index)
            }
            previousUpper = upper
        }
        #expect(LatencyHistogram.bucketIndex(microseconds: UInt64.max) == LatencyHistogram.bucketCount - 1)
    }

    @Test func durationsAndSecondsAreRecordedInMicroseconds() {
        let histogram = LatencyHistogram()
        histogram.record(.milliseconds(3))
        histogram.record(seconds: 0.000_5)
        let snapshot = histogram.snapshot()
        #expect(snapshot.sumMicroseconds == 3500)
        #expect(histogram.drain().count == 2)
        #expect(histogram.snapshot().count == 0)
    }

    @Test func emptyHistogramReportsZero() {
        #expect(LatencyHistogram().snapshot().percentile(0.99) == 0)
    }
}

@Suite struct TimeSeriesRingTests {
    @Test func slotsSumAndRollOffAsTimeMoves() {
        let ring = TimeSeriesRing(capacity: 4, slotSeconds: 1)
        let t0 = Date(timeIntervalSince1970: 1000)
        ring.record(1, at: t0)
        ring.record(2, at: t0.addingTimeInterval(0.5))
        ring.record(5, at: t0.addingTimeInterval(2))
        #expect(ring.values(at: t0.addingTimeInterval(2)) == [0, 3, 0, 5])
        #expect(ring.values(at: t0.addingTimeInterval(4)) == [0, 5, 0, 0])
        ring.record(7, at: t0) // older than the ring now covers: dropped
        #expect(ring.values(at: t0.addingTimeInterval(4)) == [0, 5, 0, 0])
        #expect(ring.values(at: t0.addingTimeInterval(100)) == [0, 0, 0, 0])
    }

    @Test func maxAndLastAggregations() {
        let t0 = Date(timeIntervalSince1970: 50)
        let peak = TimeSeriesRing(capacity: 2, aggregation: .max)
        let latest = TimeSeriesRing(capacity: 2, aggregation: .last)
        for value in [3.0, 9, 4] {
            peak.record(value, at: t0)
            latest.record(value, at: t0)
        }
        #expect(peak.values(at: t0) == [0, 9])
        #expect(latest.values(at: t0) == [0, 4])
    }
}

@Suite struct PrometheusExpositionTests {
    @Test func familiesAreRenderedInTheTextFormat() {
        let registry = MetricsRegistry()
        registry.counter("shopdeck_requests_total", help: "Requests served.", labels: ["route": "/api", "status": "200"]).increment(by: 3)
        registry.counter("shopdeck_requests_total", help: "Requests served.", labels: ["status": "404", "route": "/x\"y"]).increment()
        registry.gauge("shopdeck_open_connections", help: "Open connections.").set(2)
        registry.sampledGauge("shopdeck_items", help: "Live items.\nOne line.") { 12.5 }
        let histogram = registry.histogram("shopdeck_latency_seconds", help: "Latency.")
        histogram.record(microseconds: 200)
        histogram.record(microseconds: 3000)
        let text = registry.prometheusText()
        #expect(text.contains("# HELP shopdeck_requests_total Requests served.\n# TYPE shopdeck_requests_total counter\n"))
        #expect(text.contains("shopdeck_requests_total{route=\"/api\",status=\"200\"} 3\n"))
        #expect(text.contains("shopdeck_requests_total{route=\"/x\\\"y\",status=\"404\"} 1\n"))
        #expect(text.contains("# TYPE shopdeck_open_connections gauge\nshopdeck_open_connections 2\n"))
        #expect(text.contains("# HELP shopdeck_items Live items.\\nOne line.\n"))
        #expect(text.contains("shopdeck_items 12.5\n"))
        #expect(text.contains("shopdeck_latency_seconds_bucket{le=\"0.0001\"} 0\n"))
        #expect(text.contains("shopdeck_latency_seconds_bucket{le=\"0.00025\"} 1\n"))
        #expect(text.contains("shopdeck_latency_seconds_bucket{le=\"0.005\"} 2\n"))
        #expect(text.contains("shopdeck_latency_seconds_bucket{le=\"+Inf\"} 2\n"))
        #expect(text.contains("shopdeck_latency_seconds_sum 0.0032\n"))
        #expect(text.contains("shopdeck_latency_seconds_count 2\n"))
    }

    @Test func sameNameAndLabelsGiveTheSameMetric() {
        let registry = MetricsRegistry()
        let a = registry.counter("c_total", help: "c", labels: ["a": "1", "b": "2"])
        let b = registry.counter("c_total", help: "c", labels: ["b": "2", "a": "1"])
        #expect(a === b)
    }

    @Test func metricNamesAreValidated() {
        #expect(PrometheusText.isValidMetricName("shopdeck_http_requests_total"))
        #expect(!PrometheusText.isValidMetricName("9lives"))
        #expect(!PrometheusText.isValidMetricName("with-dash"))
        #expect(!PrometheusText.isValidMetricName(""))
    }
}
