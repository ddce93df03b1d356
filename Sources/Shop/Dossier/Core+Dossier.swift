import Addressing
import Dashboard
import Foundation

extension Core {
    /// The window a dossier and a block's impact preview look back over.
    static let dossierWindowSeconds = 3600
    /// Accounts a dossier lists; the count says how many there were in all.
    static let dossierAccountsShown = 20

    /// Who stands behind `network` over the last hour: each account it signed in to or tried, with its orders,
    /// how checkout ended them, and its drop entries — most active first. Reads the latest events only
    /// (`AddressActivity.capacity`), so the work per call is bounded whatever the range.
    func dossier(of network: IPNetwork, named text: String) -> Dossier {
        let now = options.clock.now()
        let events = addressActivity.events(in: network, since: now.addingTimeInterval(-Double(Self.dossierWindowSeconds)),
                                            limit: AddressActivity.capacity)
        var accounts: [String: Dossier.Account] = [:]
        for event in events {
            var account = accounts[event.account] ?? Dossier.Account(account: event.account, lastSeen: event.at)
            account.lastSeen = max(account.lastSeen, event.at)
            switch event.kind {
            case .signedIn: account.signIns += 1
            case .signInFailed: account.failedSignIns += 1
            case .lockedOut: account.lockouts += 1
            case .enteredDrop: account.dropEntries += 1
            case .ordered:
                account.orders += 1
                if event.outcome == "confirmed" {
                    account.confirmedOrders += 1
                    account.revenue += event.amount ?? 0
                }
            }
            accounts[event.account] = account
        }
        let ranked = accounts.values.sorted {
            ($0.confirmedOrders, $0.orders, $0.signIns, $0.lastSeen, $1.account) > ($1.confirmedOrders, $1.orders, $1.signIns, $1.lastSeen, $0.account)
        }
        return Dossier(network: text, windowSeconds: Self.dossierWindowSeconds, accounts: Array(ranked.prefix(Self.dossierAccountsShown)),
                       accountCount: ranked.count)
    }
}
