import HTTP

extension HTTPRequest {
    /// The token of an `Authorization: Bearer <token>` header, if the request has one that is not empty.
    var bearerToken: String? {
        guard let header = headers["Authorization"], header.utf8.count > 7, header.prefix(7).lowercased() == "bearer " else { return nil }
        let token = header.dropFirst(7).trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }
}
