/// The command-line interface of design.md: every command and option, whether or not its feature exists yet,
/// so flags are checked the same way from the start.
enum Commands {
    static let version = "0.1.0"

    static let scenarios = ["normal", "flash-sale", "attack", "mixed"]
    static let benchmarks = ["store", "broker", "waf", "http", "recommender", "console", "all"]

    private static let data = OptionSpec(name: "--data", valueName: "DIR", help: "data directory (created if missing)")
    private static let listen = OptionSpec(name: "--listen", valueName: "HOST:PORT", help: "HTTP listen address (default 127.0.0.1:8080)")
    private static let noColor = OptionSpec(name: "--no-color", valueName: nil, help: "draw without colour (also NO_COLOR)")
    private static let paymentFailure = OptionSpec(name: "--payment-failure-rate", valueName: "R",
                                                   help: "share of simulated payments that fail, 0-1")
    private static let trustedProxy = OptionSpec(name: "--trusted-proxy", valueName: "CIDR",
                                                 help: "honour X-Forwarded-For from this network (repeatable)", repeatable: true)
    private static let json = OptionSpec(name: "--json", valueName: nil, help: "print JSON instead of a table")
    private static let refresh = OptionSpec(name: "--refresh", valueName: "SECONDS", help: "console data refresh, 0.25 to 10 (default 1)")

    static let demo = CommandSpec(
        name: "demo", summary: "Run the shop with the operator console and simulated traffic (data in a fresh temporary directory unless --data).",
        options: [data, listen, OptionSpec(name: "--scenario", valueName: "NAME", help: "normal, flash-sale, attack or mixed (default mixed)"),
                  OptionSpec(name: "--seed", valueName: "N", help: "seed for the simulated traffic"),
                  OptionSpec(name: "--keep-minutes", valueName: "M",
                             help: "keep the simulated orders, drops and browsing M minutes, 1 to 10080 (default 5); 0 keeps them as serve does"),
                  noColor, refresh, paymentFailure, trustedProxy])
    static let run = CommandSpec(
        name: "run", summary: "Run the shop with the operator console, without simulated traffic (data in ./shopdeck-data unless --data).",
        options: [data, listen, noColor, refresh, paymentFailure, trustedProxy])
    static let serve = CommandSpec(
        name: "serve", summary: "Run the shop headless: HTTP API only, logs to stdout (data in ./shopdeck-data unless --data).",
        options: [data, listen, OptionSpec(name: "--simulate", valueName: "SCENARIO", help: "drive simulated traffic at the server"),
                  OptionSpec(name: "--log-format", valueName: "text|json", help: "log line format (default text)"), paymentFailure, trustedProxy,
                  OptionSpec(name: "--backend", valueName: "embedded|aws",
                             help: "where documents and messages live (default embedded); aws reads AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_ENDPOINT_URL[_<SERVICE>]"),
                  OptionSpec(name: "--resource-prefix", valueName: "NAME", help: "prefix of the AWS tables, queues and topics (default shopdeck-)")])
    static let bench = CommandSpec(
        name: "bench", summary: "Measure shopdeck against the targets in README.md.",
        positionals: [PositionalSpec(name: "NAME", help: "which benchmark (default all)", optional: true, choices: benchmarks)],
        options: [OptionSpec(name: "--quick", valueName: nil, help: "shorter runs and a smaller recovery journal"), json,
                  OptionSpec(name: "--dir", valueName: "DIR", help: "where benchmark data is written (default: the system temporary directory)"),
                  OptionSpec(name: "--anchors", valueName: "SCRIPT", help: "run this anchor script (../shared/bench/store-anchors.py) in the same run and print ratios"),
                  OptionSpec(name: "--soak-minutes", valueName: "M", help: "how long bench console leaves demo running to watch its memory (default 5; 1 with --quick)")])
    static let wafEval = CommandSpec(
        name: "waf-eval", summary: "Score the web application firewall on a labelled JSON Lines corpus.",
        positionals: [PositionalSpec(name: "FILE.jsonl", help: "labelled requests, one JSON object per line")],
        options: [json, OptionSpec(name: "--errors", valueName: nil, help: "also list every flagged benign request (rule, field, excerpt) and every missed attack"),
                  OptionSpec(name: "--paranoia", valueName: "LEVEL", help: "2 raises every detector family to paranoia level 2; FAMILY=2[,FAMILY=2] raises some (sqli, xss, cmdi, traversal)")])
    static let recEval = CommandSpec(
        name: "rec-eval", summary: "Evaluate the recommender against popularity on an interaction file.",
        positionals: [PositionalSpec(name: "FILE.csv", help: "columns user,item,timestamp[,weight]; or demo, the generated history over the shop's catalog")],
        options: [OptionSpec(name: "--split", valueName: "NAME", help: "leave-last-out (default) or temporal (train on the first 80% of purchases)"),
                  OptionSpec(name: "--model", valueName: "LIST", help: "models to evaluate, comma-separated: popularity,item-knn,ease,bought-next (default: all)"),
                  OptionSpec(name: "--decay", valueName: "DAYS", help: "recency half-life in days, or none (default 60, as the shop trains)"),
                  OptionSpec(name: "--binary", valueName: nil, help: "1 per item a user has instead of summed weights (the textbook matrix)"),
                  OptionSpec(name: "--neighbours", valueName: "K", help: "item-knn: neighbours kept per item (default 100)"),
                  OptionSpec(name: "--shrinkage", valueName: "S", help: "item-knn: similarity times co/(co+S); 0 is plain cosine (default 10)"),
                  OptionSpec(name: "--lambda", valueName: "L", help: "ease: the L2 weight (default 250)"),
                  OptionSpec(name: "--max-items", valueName: "N", help: "ease: the largest catalogue it trains on (default 3000)"),
                  OptionSpec(name: "--next-weight", valueName: "W", help: "bought-next's share of item-knn's and ease's scores, 0 to 1; 0 leaves it out (default 0.5)"),
                  OptionSpec(name: "--next-window", valueName: "N", help: "bought-next: how many later purchases each purchase leads to (default 5)"),
                  OptionSpec(name: "--next-step-decay", valueName: "D", help: "bought-next: the d-th later purchase weighs D^(d-1) (default 0.7)"),
                  OptionSpec(name: "--next-normalisation", valueName: "A", help: "bought-next: each item's row over its total^A, 0 to 1 (default 0.5)"),
                  OptionSpec(name: "--next-recent", valueName: "N", help: "bought-next: how many of a shopper's latest purchases ask (default 5)"),
                  OptionSpec(name: "--next-recent-decay", valueName: "D", help: "bought-next: the r-th latest purchase weighs D^r (default 0.7)"),
                  OptionSpec(name: "--textbook", valueName: nil, help: "the textbook models: --decay none --binary --shrinkage 0 --next-weight 0 (others as given)"),
                  OptionSpec(name: "--tune", valueName: nil, help: "choose each model's settings, bought-next's weight among them, on a validation split carved from the training data"),
                  json])

    static let repair = CommandSpec(
        name: "repair", summary: "Say what is damaged in a stopped shop's journals and what a repair would drop; --apply repairs.",
        options: [OptionSpec(name: "--data", valueName: "DIR", help: "the data directory to examine (required)"),
                  OptionSpec(name: "--apply", valueName: nil, help: "repair: keep every record that reads back, set the changed files aside"), json])

    static let tokens = CommandSpec(
        name: "tokens", summary: "Rotate the admin or viewer token of a data directory; a running shop takes the new one at once.",
        positionals: [PositionalSpec(name: "rotate", help: "make a new token (the old one stops working)", choices: ["rotate"])],
        options: [OptionSpec(name: "--data", valueName: "DIR", help: "the data directory (required)"),
                  OptionSpec(name: "--role", valueName: "admin|viewer", help: "which token (default admin)")])

    static let console = CommandSpec(
        name: "console", summary: "Attach the operator console to a running shop over its admin API (serve stays up when the console goes).",
        options: [OptionSpec(name: "--connect", valueName: "URL", help: "the shop, such as http://127.0.0.1:8080 (required)"),
                  OptionSpec(name: "--token-file", valueName: "FILE", help: "the admin-token or viewer-token file (else $SHOPDECK_TOKEN)"),
                  OptionSpec(name: "--read-only", valueName: nil, help: "refuse every change from this console"), refresh, noColor])

    static let all = [demo, run, serve, console, bench, wafEval, recEval, repair, tokens]

    static var topLevelHelp: String {
        var lines = [
            "shopdeck \(version): an online shop's back end in one process, with an operator console.",
            "",
            "usage: shopdeck COMMAND [OPTIONS]",
            "",
            "commands:",
        ]
        for spec in all {
            let padded = spec.name + String(repeating: " ", count: max(2, 10 - spec.name.count))
            lines.append("  \(padded)\(spec.summary)")
        }
        lines += ["", "shopdeck COMMAND --help shows a command's options; shopdeck --version prints the version."]
        return lines.joined(separator: "\n")
    }
}
