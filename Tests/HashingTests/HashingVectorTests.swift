import Testing
import FuzzSupport
@testable import Hashing

private func hex(_ text: String) -> [UInt8] { Hex.decode(String(text.filter { $0 != " " }))! }
private func ascii(_ text: String) -> [UInt8] { Array(text.utf8) }

@Suite struct SHA256Vectors {
    // FIPS 180-4 examples (NIST CSRC "SHA256.pdf") and the NESSIE million-'a' vector.
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
    ])
    func nistMessages(message: String, digest: String) {
        #expect(Hex.encode(SHA256.hash(ascii(message))) == digest)
    }

    @Test func millionAs() {
        #expect(Hex.encode(SHA256.hash([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func incrementalUpdatesInAnySplitMatchOneShot() {
        var generator = SystemRandomNumberGenerator()
        let message = (0..<1000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let expected = SHA256.hash(message)
        for _ in 0..<50 {
            var hasher = SHA256()
            var offset = 0
            while offset < message.count {
                let step = Int.random(in: 0...130, using: &generator)
                let end = min(message.count, offset + step)
                hasher.update(message[offset..<end])
                offset = end
            }
            #expect(hasher.finalize() == expected)
        }
    }
}

@Suite struct HMACVectors {
    // RFC 4231 §4.2–4.8 (test case 5, truncated output, is not a property of the full MAC).
    @Test func rfc4231() {
        let cases: [(key: [UInt8], data: [UInt8], mac: String)] = [
            ([UInt8](repeating: 0x0b, count: 20), ascii("Hi There"),
             "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
            (ascii("Jefe"), ascii("what do ya want for nothing?"),
             "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
            ([UInt8](repeating: 0xaa, count: 20), [UInt8](repeating: 0xdd, count: 50),
             "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
            (Array(1...25), [UInt8](repeating: 0xcd, count: 50),
             "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
            ([UInt8](repeating: 0xaa, count: 131), ascii("Test Using Larger Than Block-Size Key - Hash Key First"),
             "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
            ([UInt8](repeating: 0xaa, count: 131),
             ascii("This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm."),
             "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
        ]
        for c in cases {
            #expect(Hex.encode(HMACSHA256.authenticationCode(for: c.data, key: c.key)) == c.mac)
        }
    }
}

@Suite struct PBKDF2Vectors {
    // RFC 7914 §11.
    @Test func rfc7914() throws {
        #expect(try PBKDF2.deriveKey(password: ascii("passwd"), salt: ascii("salt"), iterations: 1, keyByteCount: 64)
                == hex("55 ac 04 6e 56 e3 08 9f ec 16 91 c2 25 44 b6 05 f9 41 85 21 6d de 04 65 e6 8b 9d 57 c2 0d ac bc 49 ca 9c cc f1 79 b6 45 99 16 64 b3 9d 77 ef 31 7c 71 b8 45 b1 e3 0b d5 09 11 20 41 d3 a1 97 83"))
        #expect(try PBKDF2.deriveKey(password: ascii("Password"), salt: ascii("NaCl"), iterations: 80000, keyByteCount: 64)
                == hex("4d dc d8 f6 0b 98 be 21 83 0c ee 5e f2 27 01 f9 64 1a 44 18 d0 4c 04 14 ae ff 08 87 6b 34 ab 56 a1 d4 25 a1 22 58 33 54 9a db 84 1b 51 c9 b3 17 6a 27 2b de bb a1 d0 78 47 8f 62 b3 97 f3 3c 8d"))
    }

    // The RFC 6070 inputs, with the SHA-256 outputs published alongside them for PBKDF2-HMAC-SHA256.
    @Test(arguments: [
        (1, "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b"),
        (2, "ae4d0c95af6b46d32d0adff928f06dd02a303f8ef3c251dfd6e2d85a95474c43"),
        (4096, "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a"),
    ])
    func rfc6070Style(iterations: Int, expected: String) throws {
        #expect(Hex.encode(try PBKDF2.deriveKey(password: ascii("password"), salt: ascii("salt"),
                                                iterations: iterations, keyByteCount: 32)) == expected)
    }

    @Test func rfc6070StyleMultiBlockOutput() throws {
        #expect(Hex.encode(try PBKDF2.deriveKey(password: ascii("passwordPASSWORDpassword"),
                                                salt: ascii("saltSALTsaltSALTsaltSALTsaltSALTsalt"),
                                                iterations: 4096, keyByteCount: 40))
                == "348c89dbcbd32b2f32d814b8116e84cf2b17347ebc1800181c4e2a1fb8dd53e1c635518c7dac47e9")
    }

    @Test func rejectsNonsenseParameters() {
        #expect(throws: PBKDF2Error.iterationCountMustBePositive) {
            try PBKDF2.deriveKey(password: ascii("p"), salt: ascii("s"), iterations: 0, keyByteCount: 32)
        }
        #expect(throws: PBKDF2Error.keyLengthOutOfRange(0)) {
            try PBKDF2.deriveKey(password: ascii("p"), salt: ascii("s"), iterations: 1, keyByteCount: 0)
        }
    }
}

@Suite struct CRC32CVectors {
    @Test func checkValue() {
        #expect(CRC32C.checksum(ascii("123456789")) == 0xE306_9283)
    }

    // RFC 3720 §B.4 (iSCSI).
    @Test func iscsiVectors() {
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xff, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum((0..<32).reversed().map { UInt8($0) }) == 0x113F_DB5C)
        let readCommandPDU = hex("01c00000 00000000 00000000 00000000 14000000 00000400 00000014 00000018 28000000 00000000 02000000 00000000")
        #expect(CRC32C.checksum(readCommandPDU) == 0xD996_3A56)
    }

    @Test func continuingMatchesOneShot() {
        let data = (0..<777).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        for split in [0, 1, 7, 8, 9, 100, 776, 777] {
            let first = CRC32C.checksum(data[..<split])
            #expect(CRC32C.checksum(data[split...], continuing: first) == CRC32C.checksum(data))
        }
    }
}

@Suite struct RandomAndComparison {
    @Test func randomBytesHaveTheRequestedLengthAndDiffer() throws {
        let a = try SecureRandom.bytes(count: 32)
        let b = try SecureRandom.bytes(count: 32)
        #expect(a.count == 32 && b.count == 32)
        #expect(a != b)
        #expect(try SecureRandom.bytes(count: 0).isEmpty)
        #expect(try SecureRandom.hexToken(byteCount: 16).count == 32)
    }

    @Test func randomBytesAreRoughlyUniform() throws {
        let sample = try SecureRandom.bytes(count: 64 * 1024)
        var ones = 0
        for byte in sample { ones += byte.nonzeroBitCount }
        let fraction = Double(ones) / Double(sample.count * 8)
        #expect(abs(fraction - 0.5) < 0.01)
    }

    @Test func constantTimeEquality() {
        #expect(ConstantTime.equals([1, 2, 3] as [UInt8], [1, 2, 3] as [UInt8]))
        #expect(!ConstantTime.equals([1, 2, 3] as [UInt8], [1, 2, 4] as [UInt8]))
        #expect(!ConstantTime.equals([1, 2, 3] as [UInt8], [1, 2] as [UInt8]))
        #expect(ConstantTime.equals([] as [UInt8], [] as [UInt8]))
    }

    @Test func hexRoundTripAndRejection() {
        #expect(Hex.decode("00ff10Ab") == [0x00, 0xff, 0x10, 0xab])
        #expect(Hex.encode([0x00, 0xff, 0x10, 0xab]) == "00ff10ab")
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("zz") == nil)
    }
}

@Suite struct Base64URLTests {
    /// RFC 4648 §10 vectors, in the URL alphabet without padding.
    @Test(arguments: [("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"), ("fooba", "Zm9vYmE"), ("foobar", "Zm9vYmFy")])
    func rfc4648Vectors(_ plain: String, _ encoded: String) {
        #expect(Base64URL.encode(Array(plain.utf8)) == encoded)
        #expect(Base64URL.decode(encoded) == Array(plain.utf8))
    }

    @Test func theURLAlphabetReplacesPlusAndSlash() {
        #expect(Base64URL.encode([0xFB, 0xFF, 0xBF]) == "-_-_")
        #expect(Base64URL.decode("-_-_") == [0xFB, 0xFF, 0xBF])
    }

    @Test func malformedTextIsRefused() {
        for text in ["Zg==", "Z", "Zm9v!", "Zh", "a b"] { #expect(Base64URL.decode(text) == nil, "\(text)") }
    }

    @Test func everyByteStringRoundTrips() {
        var generator = SystemRandomNumberGenerator()
        for length in 0..<70 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            #expect(Base64URL.decode(Base64URL.encode(bytes)) == bytes)
        }
    }
}

/// The processor's instruction against the tables, over seeded buffers of every length up to a few hundred
/// bytes, at odd offsets, continued from arbitrary CRCs. Without the instruction `checksum` is the tables, and
/// the comparison could not fail, so the test is skipped there.
@Suite struct CRC32CHardwareAgreement {
    @Test(.enabled(if: CRC32C.hardware, "this processor has no crc32 instruction"))
    func theInstructionAndTheTablesAgree() {
        Fuzz.run("crc32c hardware", defaultCases: 2_000) { random, _ in
            let bytes = (0..<random.int(0...700)).map { _ in UInt8.random(in: 0...255, using: &random) }
            let start = random.int(0...min(7, bytes.count))
            let seed = UInt32.random(in: 0...UInt32.max, using: &random)
            bytes.withUnsafeBytes { raw in
                let slice = UnsafeRawBufferPointer(rebasing: raw[start...])
                #expect(CRC32C.checksum(slice, continuing: seed) == CRC32C.tableChecksum(slice, continuing: seed))
            }
        }
    }
}
