import Shop

/// Reads the order body clients send — `{"items":[{"productId":"p1","quantity":2}]}`, keys in either order,
/// any JSON whitespace — without `JSONDecoder`, which took 2.6 % of the process's CPU while wrk posted orders
/// (2026-12-07) for a body of some fifty bytes. Anything else (escapes, other keys, a repeated key, a number
/// that is not a plain integer, `null`) is left to `JSONDecoder`, whose answers and errors stay the contract:
/// the scanner either agrees with it or declines. A seeded differential test holds it to that.
enum OrderBodyScanner {
    /// The body's order request, or nil when the body is not of the plain shape above.
    static func request(_ body: [UInt8]) -> Orders.Request? {
        var scanner = Cursor(bytes: body)
        guard scanner.take(UInt8(ascii: "{")), scanner.key() == "items", scanner.take(UInt8(ascii: "[")) else { return nil }
        var lines: [Orders.Request.Line] = []
        if !scanner.take(UInt8(ascii: "]")) {
            repeat {
                guard let line = scanner.line() else { return nil }
                lines.append(line)
            } while scanner.take(UInt8(ascii: ","))
            guard scanner.take(UInt8(ascii: "]")) else { return nil }
        }
        guard scanner.take(UInt8(ascii: "}")), scanner.atEnd else { return nil }
        return Orders.Request(items: lines)
    }

    /// A position in the body; every step moves forward, so a scan is linear in the body's length.
    private struct Cursor {
        let bytes: [UInt8]
        var position = 0

        var atEnd: Bool {
            mutating get {
                skipSpace()
                return position == bytes.count
            }
        }

        mutating func skipSpace() {
            while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
        }

        /// Consumes `byte` after any whitespace, if it is next.
        mutating func take(_ byte: UInt8) -> Bool {
            skipSpace()
            guard position < bytes.count, bytes[position] == byte else { return false }
            position += 1
            return true
        }

        /// A string without escapes or control characters (the body is already known to be UTF-8).
        mutating func string() -> String? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = position
            while position < bytes.count {
                let byte = bytes[position]
                if byte == UInt8(ascii: "\"") {
                    position += 1
                    return String(decoding: bytes[start..<position - 1], as: UTF8.self)
                }
                guard byte >= 0x20, byte != UInt8(ascii: "\\") else { return nil }
                position += 1
            }
            return nil
        }

        /// A member's name and its colon.
        mutating func key() -> String? {
            guard let name = string(), take(UInt8(ascii: ":")) else { return nil }
            return name
        }

        /// An integer as JSON writes it (no leading zeros, no fraction or exponent) that an Int holds easily.
        mutating func integer() -> Int? {
            skipSpace()
            let negative = position < bytes.count && bytes[position] == UInt8(ascii: "-")
            if negative { position += 1 }
            let start = position
            var value = 0
            while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]), position - start < 18 {
                value = value * 10 + Int(bytes[position] - UInt8(ascii: "0"))
                position += 1
            }
            let digits = position - start
            guard digits > 0, !(digits > 1 && bytes[start] == UInt8(ascii: "0")), !(negative && value == 0) else { return nil }
            // What follows must end the number: a fraction, an exponent or a 19th digit goes to JSONDecoder.
            if position < bytes.count, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[position])
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) {
                return nil
            }
            return negative ? -value : value
        }

        /// `{"productId": "…", "quantity": N}`, the two keys once each, in either order.
        mutating func line() -> Orders.Request.Line? {
            guard take(UInt8(ascii: "{")) else { return nil }
            var productId: String?
            var quantity: Int?
            for index in 0..<2 {
                if index == 1, !take(UInt8(ascii: ",")) { return nil }
                switch key() {
                case "productId" where productId == nil: productId = string()
                case "quantity" where quantity == nil: quantity = integer()
                default: return nil
                }
            }
            guard let productId, let quantity, take(UInt8(ascii: "}")) else { return nil }
            return Orders.Request.Line(productId: productId, quantity: quantity)
        }
    }
}
