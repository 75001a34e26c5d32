import Foundation

/// How forms find their unit (units.csv), as the ingest stores it beside the forms: each
/// spelling (`UnitName.key` of a code, name or alias) with the unit it finds, and each unit's
/// life. Comparing the stored one with units.csv now says which files to read again: units.csv
/// is not the instrument, and adding a unit re-reads nothing it cannot change.
public struct UnitReading: Equatable, Sendable {
    public var spellings: [String: String]
    /// Unit code → `from..to<predecessors`.
    public var lives: [String: String]

    public init(spellings: [String: String], lives: [String: String]) {
        self.spellings = spellings
        self.lives = lives
    }

    /// One line per spelling and per life, sorted: how it is stored (`meta` `unit_reading`).
    public var encoded: String {
        (spellings.map { "s\t\($0.key)\t\($0.value)" } + lives.map { "l\t\($0.key)\t\($0.value)" }).sorted().joined(separator: "\n")
    }

    public init?(encoded: String) {
        var spellings: [String: String] = [:]
        var lives: [String: String] = [:]
        for line in encoded.split(separator: "\n", omittingEmptySubsequences: true) {
            let parts = line.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 3 else { return nil }
            if parts[0] == "s" { spellings[parts[1]] = parts[2] } else if parts[0] == "l" { lives[parts[1]] = parts[2] } else { return nil }
        }
        self.init(spellings: spellings, lives: lives)
    }

    /// What changed from `old` to this, for the log, and what it may change at ingest:
    /// - `unitRejects`: spellings or lives were added or changed, so a form rejected for its
    ///   unit (unknown, ceased, not yet existing) may now be read;
    /// - `formsOf`: units whose forms may now be placed otherwise (a spelling that found them
    ///   is gone or finds another unit, or their life, or a predecessor's or successor's, changed).
    public func changes(since old: UnitReading) -> (said: [String], unitRejects: Bool, formsOf: Set<String>) {
        var said: [String] = []
        var formsOf = Set<String>()
        let added = Set(lives.keys).subtracting(old.lives.keys).sorted()
        let removed = Set(old.lives.keys).subtracting(lives.keys).sorted()
        if !added.isEmpty { said.append("unit(s) added: \(added.joined(separator: ", "))") }
        if !removed.isEmpty { said.append("unit(s) removed: \(removed.joined(separator: ", "))") }
        formsOf.formUnion(removed)
        var lost = 0
        for (key, codes) in old.spellings where spellings[key] != codes {
            for code in codes.split(separator: "|") { formsOf.insert(String(code)) }
            lost += 1
        }
        let gained = spellings.filter { old.spellings[$0.key] != $0.value }.count
        if lost > 0 || gained > 0 { said.append("names or aliases: \(gained) added or changed, \(lost) removed or changed") }
        let relived = Set(lives.keys).intersection(old.lives.keys).filter { lives[$0] != old.lives[$0] }
            .union(added.filter { lives[$0]?.hasSuffix("<") == false })
        if !relived.isEmpty {
            said.append("life or predecessors of: \(relived.sorted().joined(separator: ", "))")
            for code in relived {
                formsOf.insert(code)
                // Its predecessors' forms may now count for it, and theirs for it.
                for part in [lives[code], old.lives[code]] {
                    if let preds = part?.split(separator: "<", maxSplits: 1).last, part?.contains("<") == true {
                        for p in preds.split(separator: ",") { formsOf.insert(String(p)) }
                    }
                }
            }
        }
        let unitRejects = !added.isEmpty || gained > 0 || !relived.isEmpty
        return (said, unitRejects, formsOf)
    }
}
