/// One row of a table-shaped input file (CSV, workbook sheet, HTML table), with where it was.
public struct TableRow: Sendable, Equatable {
    /// 1-based: the CSV physical line, the sheet's row number (as Excel shows it), or the HTML table row.
    public var line: Int
    /// The workbook sheet's name, or nil.
    public var sheet: String?
    /// The text of each cell, in column order (A, B, C, ...); empty cells are "" (columns are not skipped).
    public var cells: [String]
    /// Set when the row cannot be read as written.
    public var problem: String?
    public init(line: Int, sheet: String? = nil, cells: [String], problem: String? = nil) {
        self.line = line; self.sheet = sheet; self.cells = cells; self.problem = problem
    }
}
/// Reads a table one row at a time, in order, holding no more than the current row (plus the shared strings of a workbook).
public protocol TableReader {
    mutating func next() throws -> TableRow?
}
