import Testing
@testable import Store

@Suite struct ConditionEvaluationTests {
    let item: Item = ["id": "p1", "stock": 5, "name": "Sencha tea", "tags": ["tea", "green"], "meta": ["views": 3, "list": [1, 2]],
                      "bin": .binary([1, 2, 3]), "flag": true, "nothing": nil]

    func holds(_ text: String, _ values: [String: AttributeValue] = [:], names: [String: String] = [:]) throws -> Bool {
        try Condition(parsing: text, names: names, values: values).evaluate(on: item)
    }

    @Test func comparisonsAndTypes() throws {
        #expect(try holds("stock > :n", [":n": 4]))
        #expect(try !holds("stock > :n", [":n": 5]))
        #expect(try holds("stock >= :n AND stock <= :n", [":n": 5]))
        #expect(try holds("stock <> :s", [":s": "5"]), "different types are never equal")
        #expect(try !holds("stock < :s", [":s": "9"]), "different types are never ordered")
        #expect(try holds("name < :b", [":b": "Sencha teb"]))
        #expect(try holds("missing <> :v", [":v": 1]))
        #expect(try !holds("missing = :v OR missing < :v", [":v": 1]))
        #expect(try holds("stock BETWEEN :a AND :b", [":a": 1, ":b": 5]))
        #expect(try holds("stock IN (:a, :b)", [":a": 1, ":b": 5]))
        #expect(try !holds("stock IN (:a)", [":a": 1]))
        #expect(try holds("meta.views = :three AND meta.list[1] = :two", [":three": 3, ":two": 2]))
    }

    @Test func functions() throws {
        #expect(try holds("attribute_exists(id) AND attribute_not_exists(gone)"))
        #expect(try holds("attribute_exists(meta.list[0])"))
        #expect(try !holds("attribute_exists(meta.list[9])"))
        #expect(try holds("attribute_exists(nothing)"), "a NULL attribute exists")
        #expect(try holds("begins_with(#n, :p)", [":p": "Sen"], names: ["#n": "name"]))
        #expect(try holds("begins_with(bin, :p)", [":p": .binary([1, 2])]))
        #expect(try holds("contains(tags, :t) AND contains(#n, :w)", [":t": "green", ":w": "tea"], names: ["#n": "name"]))
        #expect(try holds("attribute_type(flag, :t)", [":t": "BOOL"]))
        #expect(try holds("size(tags) = :two AND size(#n) >= :ten", [":two": 2, ":ten": 10], names: ["#n": "name"]))
        #expect(try holds("NOT attribute_exists(gone) AND (stock = :a OR stock = :b)", [":a": 1, ":b": 5]))
        #expect(try !holds("not (stock = :v)", [":v": 5]), "keywords are case-insensitive")
    }

    @Test func missingItemSatisfiesOnlyNonExistence() {
        #expect(Condition.notExists("id").evaluate(on: nil))
        #expect(!Condition.exists("id").evaluate(on: nil))
        #expect(!Condition.compare("stock", .greater, 0).evaluate(on: nil))
    }

    @Test func precedenceIsNotThenAndThenOr() throws {
        // a OR b AND c parses as a OR (b AND c)
        let parsed = try Condition(parsing: "attribute_exists(a) OR attribute_exists(b) AND attribute_exists(c)")
        #expect(parsed == .or(.attributeExists("a"), .and(.attributeExists("b"), .attributeExists("c"))))
        let negated = try Condition(parsing: "NOT attribute_exists(a) AND attribute_exists(b)")
        #expect(negated == .and(.not(.attributeExists("a")), .attributeExists("b")))
    }

    @Test(arguments: [
        ("", "the condition is empty"),
        ("stock >", "expected an attribute name"),
        ("stock > :v AND", "expected an attribute name"),
        ("(stock > :v", "expected ')'"),
        ("stock ! :v", "unexpected character '!'"),
        ("stock > :nope", "expression attribute value :nope is not defined"),
        ("#nope > :v", "expression attribute name #nope is not defined"),
        ("frobnicate(stock)", "unknown function frobnicate"),
        ("stock BETWEEN :v", "BETWEEN needs AND"),
        ("attribute_type(stock, :v)", "attribute_type takes"),
        ("stock :v", "expected a comparator"),
        ("a[x] = :v", "expected a list index"),
    ])
    func malformedConditionsSayWhatIsWrong(text: String, fragment: String) {
        #expect {
            try Condition(parsing: text, values: [":v": 1])
        } throws: { error in
            guard case .expression(let e) = error as? StoreError else { return false }
            return e.message.contains(fragment) && e.offset != nil
        }
    }

    @Test func deepNestingAndLongExpressionsAreRefused() {
        let deep = String(repeating: "(", count: 200) + "attribute_exists(a)" + String(repeating: ")", count: 200)
        #expect(throws: StoreError.self) { try Condition(parsing: deep) }
        let long = Array(repeating: "attribute_exists(a)", count: 300).joined(separator: " AND ")
        #expect(throws: StoreError.self) { try Condition(parsing: long) }
        let negations = String(repeating: "NOT ", count: 100) + "attribute_exists(a)"
        #expect(throws: StoreError.self) { try Condition(parsing: negations) }
    }
}

@Suite struct UpdateParsingTests {
    @Test func clausesParseInAnyOrder() throws {
        let update = try UpdateExpression(parsing: "remove a, b.c add n :one set d = :v, e = e - :one",
                                          values: [":one": 1, ":v": "x"])
        #expect(update.actions == [
            .remove("a"), .remove(AttributePath(elements: [.name("b"), .name("c")])), .add("n", 1),
            .set("d", .value("x")), .set("e", .minus(.path("e"), .value(1))),
        ])
    }

    @Test(arguments: [
        ("SET a = :v SET b = :v", "appears more than once"),
        ("DELETE s :v", "no set types"),
        ("SET a :v", "expected '='"),
        ("ADD a b", "ADD needs a value placeholder"),
        ("SET a = frob(b)", "unknown function frob"),
        ("UPSERT a", "expected SET, REMOVE or ADD"),
        ("", "empty"),
    ])
    func malformedUpdatesSayWhatIsWrong(text: String, fragment: String) {
        #expect {
            try UpdateExpression(parsing: text, values: [":v": 1])
        } throws: { error in
            guard case .expression(let e) = error as? StoreError else { return false }
            return e.message.contains(fragment)
        }
    }
}

@Suite struct NumberTests {
    @Test func parsingIsStrictAndCanonical() {
        #expect(Number(parsing: "42") == Number(42))
        #expect(Number(parsing: "42.000") == Number(42))
        #expect(Number(parsing: "4.2e1") == Number(42))
        #expect(Number(parsing: "-0") == Number(0))
        #expect(Number(parsing: "1.50") == Number(parsing: "1.5"))
        #expect(Number(parsing: "1.50")?.hashValue == Number(parsing: "1.5")?.hashValue)
        for bad in ["", "abc", "12abc", "1e", "--1", ".", "1.2.3", "NaN", "Infinity", "0x10", " 1"] {
            #expect(Number(parsing: bad) == nil, "\(bad)")
        }
        #expect(Number(parsing: "1234567890123456789012345678901234567890") == nil, "over 38 significant digits")
        #expect(Number(parsing: "12345678901234567890123456789012345678") != nil)
    }

    @Test func arithmeticIsExactAndOrdered() {
        #expect(Number.adding(Number(parsing: "0.1")!, Number(parsing: "0.2")!) == Number(parsing: "0.3"))
        #expect(Number.adding(Number(Int64.max), 1)?.description == "9223372036854775808")
        #expect(Number.subtracting(10, 11) == Number(-1))
        #expect(Number(parsing: "2.5")! < Number(3))
        #expect(Number(-1) < Number(parsing: "-0.5")!)
        #expect(Number(1.5)?.description == "1.5")
        #expect(Number(Double.nan) == nil)
    }
}
