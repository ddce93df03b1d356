import Foundation
import HTTP
import Synchronization
import Telemetry

/// Drives real HTTP at a running shop: shoppers who sign up, browse by popularity and their hidden taste,
/// view, add to cart and order; in `flash-sale` a burst of them going for one hot product; in `attack`,
/// probers sending SQL injection, XSS and command injection, a scraper far over the rate limit, and a
/// credential stuffer; `mixed` cycles through the three. Each client sends from its own loopback address.
/// Bounded (at most `concurrency` requests in flight), pausable, stoppable, and its decisions are fixed by
/// the seed.
public final class Simulator: Sendable {
    public static let scenarios = ["normal", "flash-sale", "attack", "mixed"]

    public struct Settings: Sendable {
        public var target: SocketAddress
        public var scenario: String
        public var seed: UInt64
        /// Actions per second across all clients.
        public var rate: Double
        public var shoppers: Int
        public var concurrency: Int
        /// Product ids to browse and buy, and the one a flash sale goes for.
        public var products: [String]
        public var hotProduct: String

        public init(target: SocketAddress, scenario: String = "mixed", seed: UInt64 = 1, rate: Double = 40, shoppers: Int = 60,
                    concurrency: Int = 16, products: [String], hotProduct: String) {
            self.target = target
            self.scenario = scenario
            self.seed = seed
            self.rate = rate
            self.shoppers = shoppers
            self.concurrency = concurrency
            self.products = products
            self.hotProduct = hotProduct
        }
    }

    /// What the simulator has done, for the console and tests.
    public struct Tally: Sendable, Equatable {
        public var requests = 0
        public var byStatus: [Int: Int] = [:]
        public var failures = 0
        public var orders = 0
    }

    private struct State {
        var scenario: String
        var paused = false
        var stopped = false
        var clients: [VirtualClient] = []
        var step = 0
        var tally = Tally()
    }

    let settings: Settings
    private let client = HTTPClient(timeout: 10, concurrency: 64)
    private let clock: any WallClock
    private let state: Mutex<State>

    public init(settings: Settings, clock: any WallClock = SystemClock()) {
        self.settings = settings
        self.clock = clock
        var state = State(scenario: settings.scenario)
        var random = SimulationRandom(seed: settings.seed)
        for index in 0..<settings.shoppers {
            var shopper = VirtualClient(role: .shopper, index: index, address: VirtualClient.address(role: .shopper, index: index),
                                        random: SimulationRandom(seed: settings.seed &+ UInt64(index) &* 7919))
            // A hidden taste: a handful of products, drawn around a favourite region of the catalogue.
            let centre = Int(random.next() % UInt64(max(1, settings.products.count)))
            shopper.taste = (0..<6).map { offset in settings.products[(centre + offset * 3) % max(1, settings.products.count)] }
            state.clients.append(shopper)
        }
        for (role, count) in [(VirtualClient.Role.prober, 3), (.scraper, 1), (.stuffer, 1)] {
            for index in 0..<count {
                state.clients.append(VirtualClient(role: role, index: index, address: VirtualClient.address(role: role, index: index),
                                                   random: SimulationRandom(seed: settings.seed &+ UInt64(1000 + index) &* 104_729)))
            }
        }
        self.state = Mutex(state)
    }

    public var scenario: String { state.withLock { $0.scenario } }
    public var tally: Tally { state.withLock { $0.tally } }
    public var isPaused: Bool { state.withLock { $0.paused } }

    /// Switches the scenario from the next action on; unknown names are refused.
    public func setScenario(_ name: String) -> Bool {
        guard Self.scenarios.contains(name) else { return false }
        state.withLock { $0.scenario = name }
        return true
    }

    public func setPaused(_ paused: Bool) { state.withLock { $0.paused = paused } }

    public func stop() { state.withLock { $0.stopped = true } }

    /// Runs until `stop`: `rate` actions per second, at most `concurrency` at once.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            var running = 0
            while !state.withLock({ $0.stopped }) {
                if state.withLock({ $0.paused }) {
                    try? await clock.sleep(seconds: 0.2)
                    continue
                }
                if running >= settings.concurrency {
                    await group.next()
                    running -= 1
                }
                group.addTask { await self.step() }
                running += 1
                try? await clock.sleep(seconds: 1 / max(0.1, settings.rate))
            }
            await group.waitForAll()
        }
    }

    /// One action by the client whose turn it is, in the current scenario.
    public func step() async {
        let (scenario, slot, number) = state.withLock { s -> (String, Int, Int) in
            s.step += 1
            let scenario = s.scenario == "mixed" ? ["normal", "flash-sale", "attack"][(s.step / 300) % 3] : s.scenario
            return (scenario, Self.pick(scenario, step: s.step, clients: s.clients), s.step)
        }
        var actor = state.withLock { $0.clients[slot] }
        let request = await plan(&actor, scenario: scenario, step: number)
        var response: HTTPClientResponse?
        if let request {
            response = try? await client.send(request, to: settings.target, from: actor.address)
            if actor.role == .shopper, request.target == "/api/sessions", let response, response.status == 200,
               let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] {
                actor.token = object["token"] as? String
            }
        }
        state.withLock { s in
            s.clients[slot] = actor
            guard request != nil else { return }
            s.tally.requests += 1
            if let response {
                s.tally.byStatus[response.status, default: 0] += 1
                if request?.target == "/api/orders", response.status == 202 { s.tally.orders += 1 }
            } else {
                s.tally.failures += 1
            }
        }
    }

    /// Whose turn it is: attack scenarios give most turns to the attackers, the others to shoppers.
    static func pick(_ scenario: String, step: Int, clients: [VirtualClient]) -> Int {
        let shoppers = clients.indices.filter { clients[$0].role == .shopper }
        let attackers = clients.indices.filter { clients[$0].role != .shopper }
        if scenario == "attack", !attackers.isEmpty, step % 4 != 0 { return attackers[step % attackers.count] }
        return shoppers.isEmpty ? 0 : shoppers[(step &* 7_919) % shoppers.count]
    }
}
