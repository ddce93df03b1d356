import Dashboard
import Foundation

/// The flash-sale view (`d`) and the header's line for a drop on sale: who entered, who won, what still waits
/// in the FIFO queue, and the moment the last unit went — live, as the snapshots come.
enum FlashSaleView {
    /// `drop Sencha 37/100 left · 812 queued` while a drop is open; nil otherwise (the newest open drop).
    static func headline(_ snapshot: DashboardSnapshot) -> String? {
        guard let drop = snapshot.drops?.last(where: { $0.opensAt <= snapshot.takenAt && $0.soldOutAt == nil }) else { return nil }
        let name = TextWidth.truncate(drop.product, to: 14)
        return "drop \(name) \(drop.stock - drop.winners)/\(drop.stock) left · \(drop.waiting) queued"
    }

    /// The view's lines, newest drop first.
    static func lines(_ model: ConsoleModel) -> [String] {
        guard let snapshot = model.snapshot, let drops = snapshot.drops, !drops.isEmpty else {
            return ["no flash sale yet: a drop appears here when one is created (POST /admin/drops, or the simulator's flash-sale)"]
        }
        let barWidth = max(10, min(40, model.width - 40))
        return drops.reversed().flatMap { drop -> [String] in
            let state: String
            if let soldOut = drop.soldOutAt {
                state = "sold out \(String(format: "%.1f s", soldOut.timeIntervalSince(drop.opensAt))) after opening, at \(Screen.clock(soldOut)) UTC"
            } else if drop.opensAt > snapshot.takenAt {
                state = "opens in \(Format.age(drop.opensAt.timeIntervalSince(snapshot.takenAt))), at \(Screen.clock(drop.opensAt)) UTC"
            } else {
                state = "on sale for \(Format.age(snapshot.takenAt.timeIntervalSince(drop.opensAt)))"
            }
            let filled = drop.stock == 0 ? barWidth : barWidth * drop.winners / drop.stock
            let bar = String(repeating: model.ascii ? "#" : "█", count: filled) + String(repeating: model.ascii ? "." : "░", count: barWidth - filled)
            return ["\(drop.dropId)  \(drop.product)", "  \(state)",
                    "  \(bar) \(drop.winners)/\(drop.stock) won",
                    "  entered \(drop.entered)   numbered \(drop.numbered)   lost \(max(0, drop.numbered - drop.stock))   waiting in queue \(drop.waiting)", ""]
        }
    }
}
