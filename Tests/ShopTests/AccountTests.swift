import Foundation
import HTTP
import Testing
@testable import Shop

@Suite struct AccountTests {
    @Test func signUpSignInSignOut() async throws {
        let shop = try await TestShop.start()
        defer { Task { await shop.stop() } }
        let created = try await shop.call("POST", "/api/users", json: #"{"email":"Ann@Example.com","password":"tea-and-toast-9"}"#)
        #expect(created.status == 201)
        #expect(created.object["email"] as? String == "ann@example.com")
        #expect((created.object["userId"] as? String)?.hasPrefix("u-") == true)
        let taken = try await shop.call("POST", "/api/users", json: #"{"email":"ann@example.com","password":"another-pass-1"}"#)
        #expect(taken.status == 409)

        let session = try await shop.call("POST", "/api/sessions", json: #"{"email":"ann@example.com","password":"tea-and-toast-9"}"#)
        #expect(session.status == 200)
        let token = try #require(session.object["token"] as? String)
        #expect((session.object["expiresAt"] as? String)?.hasSuffix("Z") == true)
        #expect(try await shop.call("GET", "/api/cart", token: token).status == 200)
        #expect(try await shop.call("DELETE", "/api/sessions", token: token).status == 204)
        let after = try await shop.call("GET", "/api/cart", token: token)
        #expect(after.status == 401)
        #expect((after.object["error"] as? [String: Any])?["message"] as? String == "the token was signed out")
    }

    @Test(arguments: [
        (#"{"email":"bob@example.com","password":"short1"}"#, "at least 10 characters"),
        (#"{"email":"bob@example.com","password":"onlyletterslong"}"#, "mix letters"),
        (#"{"email":"bob@example.com","password":"password123"}"#, "too common"),
        (#"{"email":"bobby@example.com","password":"bobby-rules-1"}"#, "must not contain the e-mail"),
        (#"{"email":"not-an-address","password":"fine-password-1"}"#, "email must be an address"),
        (#"{"email":"bob@example.com"}"#, "password is required"),
    ])
    func signUpRefusalsSayWhy(body: String, reason: String) async throws {
        let shop = try await TestShop.start()
        defer { Task { await shop.stop() } }
        let response = try await shop.call("POST", "/api/users", json: body)
        #expect(response.status == 422)
        #expect(response.errorCode == "invalid_field")
        #expect(response.text.contains(reason), "\(response.text)")
    }

    @Test func malformedBodiesAreClear() async throws {
        let shop = try await TestShop.start()
        defer { Task { await shop.stop() } }
        #expect(try await shop.call("POST", "/api/users", json: "{not json").status == 400)
        #expect(try await shop.call("POST", "/api/users").status == 400)
        var headers = HTTPHeaders()
        headers.set("Content-Type", "text/plain")
        #expect(try await shop.call("POST", "/api/users", headers: headers).status == 415)
        #expect(try await shop.call("POST", "/api/users", json: #"{"email":5,"password":"x"}"#).text.contains("email must be a string"))
    }

    @Test func wrongExpiredAndForgedTokensAre401() async throws {
        let shop = try await TestShop.start()
        defer { Task { await shop.stop() } }
        let token = try await shop.signedInUser()
        // Used twice first, so that the checks below meet a token whose signature is remembered as good.
        for _ in 0..<2 { #expect(try await shop.call("GET", "/api/cart", token: token).status == 200) }
        #expect(try await shop.call("GET", "/api/cart").status == 401)
        #expect(try await shop.call("GET", "/api/cart", token: "garbage").status == 401)
        #expect(try await shop.call("GET", "/api/cart", token: String(token.dropLast()) + (token.hasSuffix("A") ? "B" : "A")).status == 401)
        // A token with its payload changed and the old signature.
        let parts = token.split(separator: ".")
        let forged = TokenSigner.base64URL(Array("u-admin|9999999999|x".utf8)) + "." + parts[1]
        #expect(try await shop.call("GET", "/api/cart", token: forged).status == 401)
        // A token signed with another key.
        let foreign = TokenSigner(key: Array("another key entirely".utf8)).issue(userId: "u-1", tokenId: "t", expiresAt: Date(timeIntervalSinceNow: 3600))
        #expect(try await shop.call("GET", "/api/cart", token: foreign).status == 401)
        shop.clock.advance(by: 24 * 3600 + 1)
        let expired = try await shop.call("GET", "/api/cart", token: token)
        #expect(expired.status == 401)
        #expect(expired.text.contains("expired"))
    }

    @Test func repeatedFailuresLockTheAccountAndAreAudited() async throws {
        let shop = try await TestShop.start()
        defer { Task { await shop.stop() } }
        _ = try await shop.signedInUser("carol@example.com")
        for _ in 0..<5 {
            #expect(try await shop.call("POST", "/api/sessions", json: #"{"email":"carol@example.com","password":"wrong-guess-1"}"#).status == 401)
        }
        let locked = try await shop.call("POST", "/api/sessions", json: #"{"email":"carol@example.com","password":"correct-horse-42"}"#)
        #expect(locked.status == 429)
        #expect(Int(locked.headers["Retry-After"] ?? "") ?? 0 > 0)
        #expect(shop.core.audit.entries().contains { $0.action == "account.locked" && $0.detail.contains("carol@example.com") })
        shop.clock.advance(by: 15 * 60 + 1)
        #expect(try await shop.call("POST", "/api/sessions", json: #"{"email":"carol@example.com","password":"correct-horse-42"}"#).status == 200)
    }

    @Test func passwordsAndTokensNeverReachLogsOrErrorBodies() async throws {
        let shop = try await TestShop.start()
        defer { Task { await shop.stop() } }
        let token = try await shop.signedInUser("dave@example.com")
        let wrong = try await shop.call("POST", "/api/sessions", json: #"{"email":"dave@example.com","password":"SecretGuess-77"}"#)
        #expect(!wrong.text.contains("SecretGuess-77"))
        _ = try await shop.call("GET", "/api/orders/none", token: token)
        await shop.server.flushAccessLog()
        let logs = shop.log.lines.joined(separator: "\n")
        #expect(!logs.contains("correct-horse-42"))
        #expect(!logs.contains("SecretGuess-77"))
        #expect(!logs.contains(token))
        #expect(logs.contains("POST /api/sessions 401"))
    }
}
