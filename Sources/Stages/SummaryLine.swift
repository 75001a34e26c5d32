import Ingest
/// The one line a cron mail shows at a glance: what happened and whether to act. Always
/// the last line on standard output.
public enum SummaryLine {
    /// - Parameter held: where `run` held a damaged night's release instead of publishing it.
    public static func text(stage: String, verdict v: Verdict, published: Bool?, out: String?, held: String? = nil) -> String {
        let status = v.exitStatus
        let word: String
        switch status {
        case .success: word = "OK"
        case .checksFailed: word = "CHECKS FAILED"
        case .needsAttention: word = "ATTENTION"
        default: word = "FAILED"
        }
        let i = v.ingest
        let c = i.counts
        var parts = ["\(stage) \(word) (exit \(status.rawValue))"]
        if let held, let out {
            parts.append("held in \(held), \(out) unchanged")
        } else if let published, let out {
            parts.append(published ? "published \(out)" : "\(out) up to date, unchanged")
        }
        parts.append("files \(i.files) (\(i.filesRead) read, \(i.filesMissing.count) missing, \(i.filesUnreadable.count) unreadable)")
        parts.append("rows \(c.read): \(c.accepted) accepted, \(c.rejected) rejected, \(c.duplicates) duplicates, \(c.conflicts) conflicts")
        parts.append("\(v.checksFailed) checks failed, \(v.cellsFlagged) cells flagged")
        if !v.filesWithUnknownKeys.isEmpty {
            parts.append("answer keys that name no item in \(v.filesWithUnknownKeys.count) file(s) (see the log)")
        }
        if !v.notMade.isEmpty { parts.append("not made: " + v.notMade.joined(separator: ", ")) }
        var line = parts.joined(separator: "; ")
        if !v.attention.isEmpty { line += "; attention: " + v.attention.joined(separator: "; ") }
        // One line whatever a file name holds.
        return escaped(line)
    }

    /// `text` with control characters (tab and line breaks too), bidirectional controls and
    /// noncharacters written `\u{a}`: one line that cannot forge another.
    public static func escaped(_ text: String) -> String { PlainText.escaped(text) }
}
