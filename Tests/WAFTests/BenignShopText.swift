import FuzzSupport

/// Shop text that pushes back: product names and reviews with quotes, `&`, `<3`, `;` and parentheses,
/// support questions with code in them, SQL words in prose, file names, shell-like strings quoted in a
/// forum, sizes and prices with operators — generated from templates, so false positives are measured on
/// more than the development corpus's benign lines.
enum BenignShopText {
    static let products = ["O'Reilly's \"Learning SQL\" (3rd ed.)", "Ben & Jerry's Cookie Dough", "Rock 'n' Roll Tee (Size M)", "AT&T 5G Phone; 128 GB",
                           "Salt & Pepper Grinder Set (2-pack)", "Kids' Table & Chairs", "\"Best Dad Ever\" Mug", "Drop Earrings — 18k gold",
                           "Select Wine Glasses, set of 4", "Union Jack Pillow 45x45", "Script Font Stickers <3", "Cat Litter 10 kg; unscented",
                           "Shell & Sand Candle", "Echo Dot (5th Gen)", "Tea for Two: Cups & Saucers", "C++ Primer, 5/e", "Order By Noon Gift Box",
                           "Pipe Wrench | 14\"", "Curl Cream 200 ml", "Sleep Mask; silk", "Bash Bros. Bat", "Path Lights (Solar) 6 pcs"]
    static let reviewPieces = ["I <3 this!!", "5/5 would buy again; fast shipping", "size runs small (order 1 up)", "it's \"okay\" — not great",
                               "50% off & free returns", "worth it :)", "works with iOS & Android", "color = navy, not black", "2 + 2 = 4 stars? no, 5",
                               "the \"select\" button on the remote broke", "drop it and it still works", "fits 10.5\" tablets", "a/b tested by my kids",
                               "my cat & dog love it", "arrived 1 or 2 days late", "union of style & comfort", "I'd give it 4.5/5"]
    static let supportPieces = ["my order #1234 says 'pending' since Monday", "the tracking link /track?id=ZX93 gives 404",
                                "I ran `pip install` like the guide said — what now?", "the CSV export has ; as separator, can I get ,",
                                "where is my refund? (order 5521 and 5522)", "coupon SAVE10 & SPRING24 both fail", "my invoice.pdf won't open",
                                "the app shows {\"error\":\"timeout\"} on checkout", "please delete my account and data", "can I update my address to 5 O'Connell St.?",
                                "a forum post said to type rm -rf ~/.cache, should I?", "SELECT the blue one instead please", "is 'where' in the FAQ?"]
    static let searches = ["o'reilly", "rock & roll", "salt & pepper", "select wine", "drop earrings", "union jack", "\"rm -rf\" shirt",
                           "1950 or 1960", "size 10 and 11", "black and \"white\"", "<3 mug", "c++", "c#", "f# book", ".net guide", "node.js mug",
                           "50% off", "$5 gifts", "ages 3+", "4 & up", "2-pack; black", "tea (loose)", "script fonts", "shell necklace", "echo dot",
                           "bash hat", "python book", "java mug", "table & chairs", "sleep 8h pillow", "ping pong set", "wget-free toys"]

    static func text(_ generator: inout FuzzGenerator) -> (place: String, value: String) {
        switch generator.int(0...3) {
        case 0: return ("q", generator.pick(searches))
        case 1: return ("name", generator.pick(products))
        case 2: return ("review", (0..<generator.int(1...4)).map { _ in generator.pick(reviewPieces) }.joined(separator: " "))
        default: return ("message", (0..<generator.int(1...3)).map { _ in generator.pick(supportPieces) }.joined(separator: ". "))
        }
    }
}
