@testable import WAF

/// The fields of `GET /api/products?q=<encodedQuery>`, decoded as in production.
func queryFields(_ encodedQuery: String) -> [InspectedField] {
    RequestView(method: "GET", target: "/api/products?q=" + encodedQuery, headers: [], body: []).fields
}

/// The first finding of `detector` in any of those fields.
func firstFinding(_ encodedQuery: String, _ detector: ([UInt8]) -> Finding?) -> Finding? {
    queryFields(encodedQuery).compactMap { detector($0.value) }.first
}
