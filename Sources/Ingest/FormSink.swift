import SurveyModel

/// Where a reader sends each record it reads: accepted as a form, or rejected with a reason
/// that says what, where and what was expected. The database's `FileWriter` is the real one
/// (conformed in Ingester.swift, the one reader-side file that knows the database); tests
/// record the calls.
protocol FormSink {
    func accept(_ record: ResponseRecord) throws
    func reject(line: Int, position: Int, responseID: String?, reason: String) throws
    /// Rows that are not forms (title, blank and footer rows of a table): counted, not rejected.
    func noteSkipped(_ count: Int)
    /// A portal answer key that names no item (reported once per file, with its count).
    func noteUnknownAnswerKey(_ key: String)
    /// A form rejected as dated `isoDate`, after the day of the ingest (the file is read
    /// again once that day has come).
    func noteDatedAfterToday(_ isoDate: String)
}

extension FormSink {
    func noteSkipped(_ count: Int) {}
    func noteUnknownAnswerKey(_ key: String) {}
    func noteDatedAfterToday(_ isoDate: String) {}
}

/// Where a reader puts one file's forms: the database's `FileWriter`, or a
/// `PipelinedSink` that hands them to it from another thread.
protocol FileSink: FormSink {
    /// Drops what was written for this file so far (a file refused as a whole).
    func discardRows() throws
    /// The rows that follow come from the sheet or table `name`, the file's `order`-th.
    func beginSheet(_ name: String?, order: Int) throws
    /// A sheet or table with data but no usable header (its rows rejected).
    func noteUnreadTable(_ description: String)
}
