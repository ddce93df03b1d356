import Dashboard
import HTTP

extension OperatorError {
    /// The refusal as the admin API answers it.
    var http: HTTPError {
        switch status {
        case 400: HTTPError.badRequest(description)
        case 403: HTTPError(status: 403, code: "forbidden", message: description)
        case 404: HTTPError.notFound(description)
        case 409: HTTPError(status: 409, code: "conflict", message: description)
        case 422: HTTPError.invalidField(description)
        default: HTTPError(status: 503, code: "unavailable", message: description, headers: ["Retry-After": "1"])
        }
    }

    /// A domain refusal (the domain still speaks HTTP) as an operator's.
    init(_ error: HTTPError) {
        self.init(error.status, error.message)
    }
}
