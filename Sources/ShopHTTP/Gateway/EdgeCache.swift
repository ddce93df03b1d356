import Foundation
import HTTP
import Shop
import Synchronization

/// A cached answer: what the origin said, and when.
public struct CachedAnswer: Sendable {
    public var status: Int
    public var contentType: String
    public var body: [UInt8]

    public init(status: Int, contentType: String = "application/json", body: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    /// The response, marked with how it was served (`X-Cache: HIT`, `MISS` or `STALE`).
    public func response(cache: String, maxAge: Double) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": contentType, "X-Cache": cache,
                                               "Cache-Control": "public, max-age=\(Int(maxAge))"], body: body)
    }
}

/// The edge cache in front of catalog reads: answers within `ttl` seconds come from memory; a burst of
/// identical misses makes one origin call that the others wait for (single flight); when the origin fails,
/// the last answer is served stale for up to `staleLimit` seconds rather than an error. An answer older
/// than that can be served neither way, and is dropped at the next sweep (one every quarter of the stale
/// limit, made by a miss), so the cache holds what was asked for lately rather than all it ever answered.
public final class EdgeCache: Sendable {
    private struct Entry {
        var answer: CachedAnswer?
        var storedAt: Double
        var fetch: Task<Result<CachedAnswer, HTTPError>, Never>?
    }

    public let ttl: Double
    public let staleLimit: Double
    public let maxEntries: Int
    private let entries = Mutex<[String: Entry]>([:])
    /// When the next miss sweeps out answers past the stale limit.
    private let nextSweep = Mutex<Double>(0)
    private let counters = Mutex((misses: 0, stale: 0, originCalls: 0))
    /// Apart from the others: every hit counts it, on the event loops, so it must not take a lock.
    private let hits = Atomic<Int>(0)

    public init(ttl: Double = 2, staleLimit: Double = 300, maxEntries: Int = 20_000) {
        self.ttl = ttl
        self.staleLimit = staleLimit
        self.maxEntries = maxEntries
    }

    /// A fresh answer, if there is one (for the event loop's fast path).
    public func fresh(_ key: String, now: Double) -> CachedAnswer? {
        let answer: CachedAnswer? = entries.withLock { entries in
            guard let entry = entries[key], let answer = entry.answer, now - entry.storedAt < ttl else { return nil }
            return answer
        }
        if answer != nil { hits.add(1, ordering: .relaxed) }
        return answer
    }

    /// The answer for `key`: fresh from memory, or from `origin` (one call however many ask at once), or
    /// stale when the origin fails. The flag says whether it was stale.
    public func answer(_ key: String, now: Double,
                       origin: @escaping @Sendable () async throws(HTTPError) -> CachedAnswer) async throws(HTTPError) -> (CachedAnswer, stale: Bool) {
        let task: Task<Result<CachedAnswer, HTTPError>, Never> = entries.withLock { entries in
            if let entry = entries[key], let answer = entry.answer, now - entry.storedAt < ttl {
                return Task { .success(answer) }
            }
            if let running = entries[key]?.fetch { return running }
            let fetch = Task<Result<CachedAnswer, HTTPError>, Never> {
                do throws(HTTPError) {
                    return .success(try await origin())
                } catch {
                    return .failure(error)
                }
            }
            if entries.count >= maxEntries {
                Self.evict(&entries, now: now, ttl: ttl, limit: maxEntries)
            } else if sweepIsDue(now: now) {
                entries = entries.filter { $0.value.fetch != nil || now - $0.value.storedAt < staleLimit }
            }
            entries[key, default: Entry(answer: nil, storedAt: 0)].fetch = fetch
            counters.withLock { $0.originCalls += 1 }
            return fetch
        }
        let result = await task.value
        return try entries.withLock { entries throws(HTTPError) -> (CachedAnswer, stale: Bool) in
            var entry = entries[key] ?? Entry(answer: nil, storedAt: 0)
            if entry.fetch == task {
                entry.fetch = nil
                if case .success(let answer) = result {
                    entry.answer = answer
                    entry.storedAt = now
                }
                entries[key] = entry
            }
            switch result {
            case .success(let answer):
                counters.withLock { $0.misses += 1 }
                return (answer, false)
            case .failure(let error):
                if let stale = entry.answer, now - entry.storedAt < staleLimit {
                    counters.withLock { $0.stale += 1 }
                    return (stale, true)
                }
                throw error
            }
        }
    }

    /// Drops every cached answer (after a restock, say, when waiting out the TTL will not do).
    public func invalidate(_ key: String) {
        entries.withLock { _ = $0.removeValue(forKey: key) }
    }

    public var stats: (hits: Int, misses: Int, stale: Int, originCalls: Int, entries: Int) {
        let count = entries.withLock { $0.count }
        let hits = hits.load(ordering: .relaxed)
        return counters.withLock { (hits, $0.misses, $0.stale, $0.originCalls, count) }
    }

    private func sweepIsDue(now: Double) -> Bool {
        nextSweep.withLock { due in
            guard now >= due else { return false }
            due = now + staleLimit / 4
            return true
        }
    }

    /// Makes room: expired answers go first; if that is not enough, the oldest half.
    private static func evict(_ entries: inout [String: Entry], now: Double, ttl: Double, limit: Int) {
        entries = entries.filter { $0.value.fetch != nil || now - $0.value.storedAt < ttl }
        guard entries.count >= limit else { return }
        let idle = entries.filter { $0.value.fetch == nil }.sorted { $0.value.storedAt < $1.value.storedAt }
        for (key, _) in idle.prefix(idle.count / 2) { entries.removeValue(forKey: key) }
    }
}
