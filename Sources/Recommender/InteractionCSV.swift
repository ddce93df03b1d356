/// Reads interaction files: `user,item,timestamp[,weight]` per line, an optional header line, timestamps in
/// seconds (or milliseconds, when too large for seconds), weight 1 when absent. Every row counts as a
/// purchase: such files record what was bought, rated or consumed.
public enum InteractionCSV {
    /// Why a file could not be read, with the line to look at.
    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case badLine(line: Int, reason: String)
        case empty

        public var description: String {
            switch self {
            case .badLine(let line, let reason): "line \(line): \(reason)"
            case .empty: "no interactions in the file"
            }
        }
    }

    /// The most rows read (a guard against a runaway file filling memory).
    public static let maximumRows = 50_000_000

    public static func parse(_ bytes: [UInt8]) throws(ParseError) -> [Interaction] {
        var interactions: [Interaction] = []
        var lineNumber = 0
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
            lineNumber += 1
            var line = bytes[start..<end]
            start = end + 1
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            guard !line.isEmpty else { continue }
            let fields = line.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false).map {
                String(decoding: $0, as: UTF8.self).trimmingSpaces()
            }
            guard fields.count == 3 || fields.count == 4 else {
                throw .badLine(line: lineNumber, reason: "expected 3 or 4 comma-separated columns (user,item,timestamp[,weight]), found \(fields.count)")
            }
            guard var timestamp = Double(fields[2]), timestamp.isFinite else {
                if lineNumber == 1, interactions.isEmpty { continue }  // a header
                throw .badLine(line: lineNumber, reason: "timestamp \"\(fields[2])\" is not a number of seconds since 1970")
            }
            if timestamp > 100_000_000_000 { timestamp /= 1000 }
            var weight = 1.0
            if fields.count == 4 {
                guard let parsed = Double(fields[3]), parsed.isFinite, parsed > 0 else {
                    throw .badLine(line: lineNumber, reason: "weight \"\(fields[3])\" is not a positive number")
                }
                weight = parsed
            }
            guard !fields[0].isEmpty, !fields[1].isEmpty else { throw .badLine(line: lineNumber, reason: "user and item must not be empty") }
            guard interactions.count < maximumRows else { throw .badLine(line: lineNumber, reason: "more than \(maximumRows) rows") }
            interactions.append(Interaction(user: fields[0], item: fields[1], timestamp: timestamp, weight: weight))
        }
        guard !interactions.isEmpty else { throw .empty }
        return interactions
    }
}

extension String {
    func trimmingSpaces() -> String {
        var scalars = Substring(self)
        while scalars.first == " " || scalars.first == "\t" { scalars.removeFirst() }
        while scalars.last == " " || scalars.last == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}
