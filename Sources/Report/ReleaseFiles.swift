import SurveyModel

/// One file of a release: its name, the stage that writes it, and what it holds in both
/// languages (the page's list of downloads, `--help`, and the README's table say the same).
public struct ReleaseFile: Sendable {
    public let name: String
    /// `check`, `stats` or `report`.
    public let stage: String
    let vi: String
    let en: String
    /// Listed as a download on the page (the pages themselves are not).
    let download: Bool

    public func description(in language: Language) -> String { language == .vi ? vi : en }
}

/// The registry of release files, in manifest order: the pipeline writes, lists and replaces
/// exactly these (and `manifest.json`).
public enum ReleaseFiles {
    /// The files of the check and stats stages, then the report stage's (`ReportOutputs.all`).
    public static let all: [ReleaseFile] = [
        ReleaseFile(name: "checks.csv", stage: "check", vi: "kết quả kiểm tra mẫu", en: "sampling checks", download: true),
        ReleaseFile(name: "estimates.csv", stage: "stats", vi: "mọi ước lượng (bản công bố: số bị che là NA)",
                    en: "every estimate (public copy: suppressed values are NA)", download: true),
    ] + ReportOutputs.all.map { $0.file }

    public static var names: [String] { all.map(\.name) }

    /// The files a stage writes, for messages: `report.xml, sdmx.xml, ...`.
    public static func names(of stage: String) -> [String] { all.filter { $0.stage == stage }.map(\.name) }
}
