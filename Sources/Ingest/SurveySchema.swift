import TOMLKit

/// The tables and keys `survey.toml` may hold (docs/survey-toml.md): the one declaration the
/// check for unknown keys reads. A key the parser learns to read is added here too, or every
/// file that uses it is refused.
///
/// ```swift
/// "flags": .table(["suppress_below": .value])          // [flags] suppress_below = 30
/// "items": .arrayOfTables(["id": .value])               // [[items]] id = "q01"
/// "scales": .namedTables(["values": .value])            // [scales.agree] values = [1, 2]
/// ```
enum SurveySchema {
    /// What a key of a table may hold.
    indirect enum Node: Sendable {
        /// A value: a string, number, boolean or a list of them.
        case value
        /// A table (`[flags]`, `[columns.paper]`) with these keys.
        case table([String: Node])
        /// An array of tables (`[[items]]`), every entry with these keys.
        case arrayOfTables([String: Node])
        /// A table whose keys are free names, each a table with these keys
        /// (`[scales.NAME]`, where NAME is the user's).
        case namedTables([String: Node])
    }

    static let root: [String: Node] = [
        "survey": .table([
            "title_vi": .value, "title_en": .value, "agency_vi": .value, "agency_en": .value,
            "language": .value, "satisfied": .value, "confidence_level": .value, "interval_method": .value,
            "plan_minimum": .value, "margin_of_error": .value, "first_period": .value, "last_period": .value,
            "index_measure": .value, "aggregation": .value, "ranking_policy": .value, "target": .value, "time_zone": .value,
        ]),
        "flags": .table(["suppress_below": .value, "max_half_width": .value, "low_alpha": .value]),
        "publication": .table([
            "issuing_body_vi": .value, "issuing_body_en": .value, "annex_title_vi": .value, "annex_title_en": .value,
            "decision_vi": .value, "decision_en": .value, "place_vi": .value, "place_en": .value, "issue_date": .value,
            "signature_vi": .value, "signature_en": .value, "signer": .value, "recipients_vi": .value,
            "recipients_en": .value, "hold": .value,
        ]),
        "checks": .table([
            "max_missing_share": .value, "max_straightlining_share": .value, "max_rejected_share": .value,
        ]),
        "columns": .table([
            "paper": .table([
                "form_id": .value, "unit": .value, "date": .value, "comment": .value, "sheet": .value, "encoding": .value,
            ]),
            "portal": .table([
                "id": .value, "unit": .value, "submitted_at": .value, "dossier_code": .value, "answers": .value,
                "comment": .value, "sheet": .value, "encoding": .value,
            ]),
        ]),
        "factors": .arrayOfTables(["id": .value, "name_vi": .value, "name_en": .value]),
        "groups": .arrayOfTables(["id": .value, "name_vi": .value, "name_en": .value]),
        "items": .arrayOfTables([
            "id": .value, "factor": .value, "kind": .value, "scale": .value, "text_vi": .value, "text_en": .value,
            "favourable": .value, "favourable_at_most": .value, "favourable_vi": .value, "favourable_en": .value,
            "aliases": .value, "channels": .value, "overall": .value,
        ]),
        "scales": .namedTables(["values": .value, "satisfied": .value, "labels_vi": .value, "labels_en": .value, "points": .value]),
        "points": .table(["publish": .value, "likert5": .value]),
        "estimates": .table(["full": .value, "breakdowns": .value]),
        "sdmx": .table(["ref_area": .value, "ref_area_name_vi": .value, "ref_area_name_en": .value]),
    ]

    /// A problem with the shape of the file: where, and what.
    struct Problem: Equatable {
        var path: TOMLPath
        var message: String
    }

    /// Every key the schema does not know, and every value of the wrong shape (a value where
    /// a table belongs, a table where a value belongs), in `table` and below.
    static func problems(in table: TOMLTable) -> [Problem] {
        var problems: [Problem] = []
        check(table, keys: root, path: [], names: [], into: &problems)
        return problems
    }

    /// `names` are the keys from the root, for messages: ["columns", "paper"].
    private static func check(
        _ table: TOMLTable, keys schema: [String: Node], path: TOMLPath, names: [String], entry: Int? = nil,
        into problems: inout [Problem]
    ) {
        for key in table.keys.sorted() {
            guard let value = table[key] else { continue }
            let keyPath = path + [.key(key)]
            let keyNames = names + [key]
            guard let node = schema[key] else {
                problems.append(Problem(path: keyPath, message: unknown(key, value: value, names: names, entry: entry, schema: schema)))
                continue
            }
            switch node {
            case .value:
                if value.type == .table {
                    problems.append(Problem(path: keyPath, message: "\(dotted(keyNames)) must be a value such as \(key) = \"...\", not a table"))
                }
            case .table(let keys):
                guard let sub = value.table else {
                    problems.append(Problem(path: keyPath, message: "\(dotted(keyNames)) must be a table: write [\(dotted(keyNames))] on a line of its own, then its keys"))
                    continue
                }
                check(sub, keys: keys, path: keyPath, names: keyNames, into: &problems)
            case .namedTables(let keys):
                guard let sub = value.table else {
                    problems.append(Problem(path: keyPath, message: "\(dotted(keyNames)) must be a table of named tables, such as [\(dotted(keyNames)).NAME]"))
                    continue
                }
                for name in sub.keys.sorted() {
                    let namePath = keyPath + [.key(name)]
                    guard let named = sub[name]?.table else {
                        problems.append(Problem(path: namePath, message: "\(dotted(keyNames + [name])) must be a table: write [\(dotted(keyNames + [name]))] on a line of its own, then its keys"))
                        continue
                    }
                    check(named, keys: keys, path: namePath, names: keyNames + [name], into: &problems)
                }
            case .arrayOfTables(let keys):
                guard let array = value.array else {
                    problems.append(Problem(path: keyPath, message: "\(dotted(keyNames)) must be a list of tables: write each entry under [[\(dotted(keyNames))]]"))
                    continue
                }
                for (i, element) in array.enumerated() {
                    // An entry that is not a table is the parser's to report (it needs an id).
                    guard let sub = element.table else { continue }
                    check(sub, keys: keys, path: keyPath + [.index(i)], names: keyNames, entry: i + 1, into: &problems)
                }
            }
        }
    }

    /// "unknown key plan_minimun in [survey]; did you mean plan_minimum?"
    private static func unknown(_ key: String, value: TOMLValueConvertible, names: [String], entry: Int?, schema: [String: Node]) -> String {
        let isTable = value.type == .table || (value.array.map { !$0.isEmpty && $0.allSatisfy { $0.type == .table } } ?? false)
        let what: String
        if names.isEmpty {
            what = isTable ? "unknown table \(header(key, value: value))" : "unknown key \(key) at the top level"
        } else if let entry {
            what = "unknown key \(key) in [[\(dotted(names))]] entry \(entry)"
        } else {
            what = isTable ? "unknown table \(header(dotted(names + [key]), value: value))" : "unknown key \(key) in [\(dotted(names))]"
        }
        if let near = nearest(to: key, among: Array(schema.keys)) {
            return "\(what); did you mean \(display(near, node: schema[near]!, names: names))?"
        }
        if let home = home(of: key), home != names {
            return "\(what); \(key) belongs in [\(dotted(home))]"
        }
        let known = schema.keys.sorted().map { display($0, node: schema[$0]!, names: names) }.joined(separator: ", ")
        return "\(what); expected one of \(known) (see docs/survey-toml.md)"
    }

    private static func header(_ name: String, value: TOMLValueConvertible) -> String {
        value.type == .array ? "[[\(name)]]" : "[\(name)]"
    }

    /// A known key as the user would write it: `plan_minimum`, `[flags]`, `[[items]]`.
    private static func display(_ key: String, node: Node, names: [String]) -> String {
        switch node {
        case .value: key
        case .table, .namedTables: "[\(dotted(names + [key]))]"
        case .arrayOfTables: "[[\(dotted(names + [key]))]]"
        }
    }

    private static func dotted(_ names: [String]) -> String { names.joined(separator: ".") }

    /// The table (by its names from the root) that declares `key` as a value, if exactly one does.
    private static func home(of key: String) -> [String]? {
        var homes: [[String]] = []
        func visit(_ keys: [String: Node], _ names: [String]) {
            for (name, node) in keys {
                switch node {
                case .value: if name == key { homes.append(names) }
                case .table(let sub), .arrayOfTables(let sub): visit(sub, names + [name])
                case .namedTables(let sub): visit(sub, names + [name, "NAME"])
                }
            }
        }
        visit(root, [])
        return homes.count == 1 ? homes[0] : nil
    }

    /// The known name closest to `name`, if it is close: an edit distance (ignoring case) of
    /// at most 2 and at most a third of the name's length, or 1 for short names.
    static func nearest(to name: String, among candidates: [String]) -> String? {
        let limit = min(2, max(1, name.count / 3))
        let scored = candidates.map { ($0, editDistance(name.lowercased(), $0.lowercased())) }
            .filter { $0.1 <= limit }
            .sorted { ($0.1, $0.0) < ($1.1, $1.0) }
        return scored.first?.0
    }

    /// Damerau-Levenshtein distance (optimal string alignment): insertions, deletions,
    /// substitutions and swaps of neighbours each cost 1.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
}
