import FuzzSupport
import Testing
@testable import WAF

/// The commix-style corpus through the firewall's command-injection detector (after the decoding the
/// request view applies), judged payload by payload; and the shop text that looks like shell, which must pass.
@Suite struct CommandInjectionFamilyTests {
    @Test func commixStyleTechniquesAreCaught() {
        var missed: [String] = []
        var total = 0
        Fuzz.run("commix-style corpus", defaultCases: 4000) { generator, _ in
            let (value, recipe) = CommandInjectionCorpus.payload(&generator)
            let decoded = Transforms.urlDecode(Array(value.utf8), plusAsSpace: false)
            total += 1
            if CommandInjectionDetector.inspect(decoded) == nil { missed.append("\(recipe): \(value.debugDescription)") }
        }
        let share = 100 * Double(total - missed.count) / Double(max(1, total))
        print("commix-style corpus: \(total - missed.count) of \(total) caught (\(String(format: "%.2f", share)) %)")
        #expect(share >= 99, "caught \(String(format: "%.1f", share)) %; missed e.g. \(missed.prefix(30).joined(separator: "\n"))")
    }

    @Test(arguments: ["rock & roll", "salt & pepper", "cat litter (10 kg)", "Tom & Jerry; season 2", "\"rm -rf\" is a joke in the forum",
                      "Ben & Jerry's", "AT&T charger", "sleep mask | silk", "echo dot (4th gen)", "who am i? a novel", "ping pong table",
                      "fish & chips; vinegar", "curl cream | 200 ml", "size: ${size}", "100% cotton; 2 pack", "$5 off & free shipping",
                      "for /f in my notes", "print(hello)", "I <3 this; would buy again", "price $(19.99)"])
    func shopTextThatLooksLikeShellPasses(_ value: String) {
        #expect(CommandInjectionDetector.inspect(Transforms.lowercase(Array(value.utf8))) == nil, "\(value)")
    }
}
