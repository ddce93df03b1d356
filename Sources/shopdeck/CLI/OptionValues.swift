import Addressing
import HTTP

/// True for `ADDRESS/PREFIX` with a prefix length that fits the address family (or a bare address).
func isCIDR(_ text: String) -> Bool {
    IPNetwork(text) != nil
}

extension ParsedArguments {
    func listenAddress(default fallback: String = "127.0.0.1:8080") throws(UsageError) -> SocketAddress {
        let text = value("--listen") ?? fallback
        guard let address = SocketAddress(parsing: text) else {
            throw invalid("--listen", text, "expected HOST:PORT with an IP address (or localhost) and a port 0-65535")
        }
        return address
    }

    func double(_ name: String, in range: ClosedRange<Double>, default fallback: Double) throws(UsageError) -> Double {
        guard let text = value(name) else { return fallback }
        guard let number = Double(text), number.isFinite, range.contains(number) else {
            throw invalid(name, text, "expected a number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    func integer(_ name: String, in range: ClosedRange<Int>) throws(UsageError) -> Int? {
        guard let text = value(name) else { return nil }
        guard let number = Int(text), range.contains(number) else {
            throw invalid(name, text, "expected a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    func choice(_ name: String, from choices: [String], default fallback: String) throws(UsageError) -> String {
        guard let text = value(name) else { return fallback }
        guard choices.contains(text) else { throw invalid(name, text, "choose from \(choices.joined(separator: ", "))") }
        return text
    }

    func cidrs(_ name: String) throws(UsageError) -> [String] {
        let values = all(name)
        for text in values where !isCIDR(text) {
            throw invalid(name, text, "expected an IPv4 or IPv6 address or CIDR such as 10.0.0.0/8")
        }
        return values
    }
}
