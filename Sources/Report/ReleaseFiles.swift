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
    public static let all: [ReleaseFile] = [
        ReleaseFile(name: "checks.csv", stage: "check", vi: "kết quả kiểm tra mẫu", en: "sampling checks", download: true),
        ReleaseFile(name: "estimates.csv", stage: "stats", vi: "mọi ước lượng (bản công bố: số bị che là NA)",
                    en: "every estimate (public copy: suppressed values are NA)", download: true),
        ReleaseFile(name: "summary.csv", stage: "report", vi: "bảng tổng hợp dạng CSV gọn (tidy), dấu thập phân là dấu chấm",
                    en: "tidy summary table as CSV, decimal point", download: true),
        ReleaseFile(name: "summary.xlsx", stage: "report", vi: "bảng tổng hợp cho Excel (số thực, định dạng phần trăm)",
                    en: "summary tables for Excel (real numbers, percent formats)", download: true),
        ReleaseFile(name: "report.xml", stage: "report", vi: "báo cáo dạng XML, kiểm tra theo report.xsd",
                    en: "the report as XML, validated against report.xsd", download: true),
        ReleaseFile(name: "sdmx.xml", stage: "report", vi: "dữ liệu SDMX-ML 2.1", en: "SDMX-ML 2.1 data", download: true),
        ReleaseFile(name: "sdmx-structure.xml", stage: "report", vi: "cấu trúc dữ liệu SDMX (DSD và danh mục mã)",
                    en: "SDMX structure (DSD and code lists)", download: true),
        ReleaseFile(name: "sdmx-schema.xsd", stage: "report", vi: "lược đồ XML riêng của DSD cho sdmx.xml",
                    en: "the DSD-specific XML schema of sdmx.xml", download: true),
        ReleaseFile(name: "report.html", stage: "report", vi: "trang báo cáo", en: "the report page", download: false),
        ReleaseFile(name: "report.en.html", stage: "report", vi: "trang báo cáo tiếng Anh", en: "the report page in English", download: false),
        ReleaseFile(name: "report.vi.html", stage: "report", vi: "trang báo cáo tiếng Việt", en: "the report page in Vietnamese", download: false),
    ]

    public static var names: [String] { all.map(\.name) }

    /// The files a stage writes, for messages: `report.xml, sdmx.xml, ...`.
    public static func names(of stage: String) -> [String] { all.filter { $0.stage == stage }.map(\.name) }
}
