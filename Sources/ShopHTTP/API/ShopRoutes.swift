import Foundation
import HTTP
import Shop
import Telemetry

/// The shop's public API under `/api`, every route behind the gateway.
struct ShopRoutes {
    let core: Core
    let gateway: Gateway

    private struct Credentials: Decodable {
        var email: String
        var password: String
    }

    private struct CartAddition: Decodable {
        var productId: String
        var quantity: Int
    }

    private struct Event: Decodable {
        var type: String
        var productId: String
    }

    func register(_ router: inout Router) {
        let accounts = core.accounts
        let catalog = core.catalog
        let carts = core.carts
        let orders = core.orders
        let drops = core.drops

        router.post("/api/users", gateway.route { request in
            let body = try JSONBody.decode(Credentials.self, from: request.http)
            let user = try await accounts.signUp(email: body.email, password: body.password)
            return JSONBody.response(["userId": user.userId, "email": user.email], status: 201)
        })
        router.post("/api/sessions", gateway.route { request in
            let body = try JSONBody.decode(Credentials.self, from: request.http)
            let session = try await accounts.signIn(email: body.email, password: body.password, clientIP: request.clientIP)
            return JSONBody.response(["token": session.token, "expiresAt": Logger.timestamp(session.expiresAt)])
        })
        router.delete("/api/sessions", gateway.route { request in
            try await accounts.signOut(try accounts.authenticate(bearer: request.http.bearerToken))
            return .empty(status: 204)
        })

        router.get("/api/products", gateway.cachedRoute { request in
            let limit = try request.integerQuery("limit")
            let page = try await catalog.list(query: request.query("q"), category: request.query("category").flatMap { $0.isEmpty ? nil : $0 },
                                              limit: limit, cursor: request.query("cursor").flatMap { $0.isEmpty ? nil : $0 })
            return CachedAnswer(status: 200, body: JSONBody.encode(page))
        })
        router.get("/api/products/{id}", gateway.cachedRoute { request in
            CachedAnswer(status: 200, body: JSONBody.encode(try await catalog.product(request.parameter("id"))))
        })

        router.get("/api/cart", gateway.route { request in
            JSONBody.response(try await carts.cart(try accounts.authenticate(bearer: request.http.bearerToken).userId))
        })
        router.post("/api/cart/items", gateway.route { request in
            let session = try accounts.authenticate(bearer: request.http.bearerToken)
            let body = try JSONBody.decode(CartAddition.self, from: request.http)
            return JSONBody.response(try await carts.add(session.userId, productId: body.productId, quantity: body.quantity))
        })
        router.delete("/api/cart/items/{productId}", gateway.route { request in
            let session = try accounts.authenticate(bearer: request.http.bearerToken)
            return JSONBody.response(try await carts.remove(session.userId, productId: request.parameter("productId")))
        })
        router.delete("/api/cart", gateway.route { request in
            try await carts.clear(try accounts.authenticate(bearer: request.http.bearerToken).userId)
            return .empty(status: 204)
        })

        router.post("/api/orders", gateway.route { request in
            let session = try accounts.authenticate(bearer: request.http.bearerToken)
            guard let key = request.http.headers["Idempotency-Key"] else {
                throw HTTPError.badRequest("send an Idempotency-Key header (any unique string per order) so a retry cannot order twice")
            }
            let body = try JSONBody.decodeIfPresent(Orders.Request.self, from: request.http, scanner: OrderBodyScanner.request)
            let order = try await orders.place(userId: session.userId, idempotencyKey: key, lines: body?.items, from: request.clientIP)
            return JSONBody.response(["orderId": order.orderId, "status": order.status.rawValue], status: 202)
        })
        router.get("/api/orders", gateway.route { request in
            let session = try accounts.authenticate(bearer: request.http.bearerToken)
            let page = try await orders.orders(userId: session.userId, limit: try request.integerQuery("limit"),
                                               cursor: request.query("cursor").flatMap { $0.isEmpty ? nil : $0 })
            return JSONBody.response(OrderPage(items: page.items, nextCursor: page.nextCursor))
        })
        router.get("/api/orders/{id}", gateway.route { request in
            let session = try accounts.authenticate(bearer: request.http.bearerToken)
            return JSONBody.response(try await orders.order(userId: session.userId, orderId: request.parameter("id")))
        })

        router.get("/api/drops", gateway.route { _ in
            JSONBody.response(["items": try await drops.list()])
        })
        router.post("/api/drops/{id}/entries", gateway.route { request in
            let session = try accounts.authenticate(bearer: request.http.bearerToken)
            return JSONBody.response(try await drops.enter(dropId: request.parameter("id"), userId: session.userId, from: request.clientIP), status: 202)
        })
        router.get("/api/drops/{id}/entries/{entryId}", gateway.route { request in
            guard let entry = try await drops.entry(dropId: request.parameter("id"), entryId: request.parameter("entryId")) else {
                throw HTTPError.notFound("no entry \(request.parameter("entryId")) in drop \(request.parameter("id"))")
            }
            return JSONBody.response(entry)
        })

        router.post("/api/events", gateway.route { request in
            let event = try JSONBody.decode(Event.self, from: request.http)
            // Anonymous events are welcome; a presented token must be valid, and ties the event to its user.
            let userId = request.http.bearerToken == nil ? nil : try accounts.authenticate(bearer: request.http.bearerToken).userId
            try await core.recordShopperEvent(type: event.type, productId: event.productId, userId: userId)
            return .empty(status: 202)
        })
        registerRecommendations(&router)
    }
}
