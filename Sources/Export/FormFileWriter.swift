import CReadStat
import Foundation

/// Why an export could not be written.
public enum ExportError: Error, CustomStringConvertible {
    case readStat(String)
    case write(String)

    public var description: String {
        switch self {
        case .readStat(let m): "ReadStat: \(m)"
        case .write(let m): m
        }
    }
}

/// Writes the table of forms to one file, a row at a time: SPSS `.sav` and Stata `.dta`
/// through ReadStat, CSV by hand. The file is written beside its target under a temporary
/// name and renamed into place when complete, so a failed export leaves no half file.
public final class FormFileWriter {
    let format: ExportFormat
    let columns: [ExportColumn]
    let target: URL
    let temporary: URL
    let handle: FileHandle
    /// ReadStat's writer (sav, dta), its variables in column order.
    var writer: UnsafeMutablePointer<readstat_writer_t>?
    var variables: [OpaquePointer?] = []
    var csvBuffer: [UInt8] = []
    var finished = false
    /// Why ReadStat's last write failed (it sees a short write and stops).
    var writeError: Error?
    /// Texts cut to the format's longest string (Stata's str: 2045 bytes; SPSS: 32767).
    public private(set) var textsCut = 0

    /// - Parameters:
    ///   - rowCount: the rows that will be added (SPSS and Stata write it in the header).
    ///   - timestamp: the file's creation time as recorded inside it (the release's date, so
    ///     the same forms give the same bytes).
    public init(path: String, format: ExportFormat, columns: [ExportColumn], rowCount: Int, fileLabel: String, timestamp: Date) throws {
        self.format = format
        self.columns = columns
        target = URL(fileURLWithPath: path)
        temporary = target.deletingLastPathComponent().appendingPathComponent(".\(target.lastPathComponent).part-\(getpid())")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil),
            let handle = FileHandle(forWritingAtPath: temporary.path)
        else { throw ExportError.write("cannot create \(temporary.path): \(String(cString: strerror(errno)))") }
        self.handle = handle
        do {
            switch format {
            case .csv:
                csvBuffer = [0xEF, 0xBB, 0xBF] + Array(columns.map { Self.csvField($0.name) }.joined(separator: ",").utf8) + [13, 10]
            case .sav, .dta:
                try beginReadStat(rowCount: rowCount, fileLabel: fileLabel, timestamp: timestamp)
            }
        } catch {
            abandon()
            throw error
        }
    }

    deinit {
        if let writer { readstat_writer_free(writer) }
        if !finished { abandon() }
    }

    func abandon() {
        try? handle.close()
        try? FileManager.default.removeItem(at: temporary)
        finished = true
    }

    /// ReadStat hands its bytes here; `ctx` is this writer.
    static let dataWriter: readstat_data_writer = { data, length, ctx in
        guard let data, let ctx else { return -1 }
        let writer = Unmanaged<FormFileWriter>.fromOpaque(ctx).takeUnretainedValue()
        do {
            try writer.handle.write(contentsOf: Data(bytes: data, count: length))
            return length
        } catch {
            // 0, not -1: ReadStat compares the count as unsigned; a short write stops it.
            writer.writeError = error
            return 0
        }
    }

    func check(_ rc: readstat_error_t, _ what: String) throws {
        if let writeError { throw ExportError.write("cannot write \(temporary.path): \(writeError)") }
        guard rc == READSTAT_OK else {
            throw ExportError.readStat("\(what): \(String(cString: readstat_error_message(rc)))")
        }
    }

    private func beginReadStat(rowCount: Int, fileLabel: String, timestamp: Date) throws {
        guard let writer = readstat_writer_init() else { throw ExportError.readStat("no writer") }
        self.writer = writer
        try check(readstat_set_data_writer(writer, Self.dataWriter), "data writer")
        // SPSS keeps 64 bytes of a file label: cut at a character, never inside one.
        var label = ""
        for c in fileLabel where label.utf8.count + String(c).utf8.count <= 64 { label.append(c) }
        try check(readstat_writer_set_file_label(writer, label), "file label")
        // ReadStat writes the timestamp in local time: shifted by the zone's offset, the file
        // says the same date and time (and has the same bytes) in every time zone.
        let local = timestamp.timeIntervalSince1970 - Double(TimeZone.current.secondsFromGMT(for: timestamp))
        try check(readstat_writer_set_file_timestamp(writer, time_t(local)), "timestamp")
        if format == .dta {
            // 118: Stata 14 and later, UTF-8 text.
            try check(readstat_writer_set_file_format_version(writer, 118), "format version")
        }
        var sets: [String: OpaquePointer] = [:]
        for column in columns {
            switch column.kind {
            case let .integer(labels, labelSet):
                let variable = readstat_add_variable(writer, column.name, READSTAT_TYPE_INT32, 0)
                if let labelSet, !labels.isEmpty {
                    let set: OpaquePointer
                    if let known = sets[labelSet] {
                        set = known
                    } else {
                        guard let made = readstat_add_label_set(writer, READSTAT_TYPE_INT32, labelSet) else {
                            throw ExportError.readStat("label set \(labelSet)")
                        }
                        for (value, label) in labels { readstat_label_int32_value(made, value, label) }
                        set = OpaquePointer(made)
                        sets[labelSet] = set
                    }
                    readstat_variable_set_label_set(variable, UnsafeMutablePointer(set))
                }
                readstat_variable_set_label(variable, column.label)
                variables.append(variable.map(OpaquePointer.init))
            case let .text(width):
                let variable = readstat_add_variable(writer, column.name, READSTAT_TYPE_STRING, min(width, longestText))
                readstat_variable_set_label(variable, column.label)
                variables.append(variable.map(OpaquePointer.init))
            }
        }
        let context = Unmanaged.passUnretained(self).toOpaque()
        switch format {
        case .sav: try check(readstat_begin_writing_sav(writer, context, rowCount), "begin .sav")
        case .dta: try check(readstat_begin_writing_dta(writer, context, rowCount), "begin .dta")
        case .csv: break
        }
        try check(readstat_validate_metadata(writer), "metadata")
        for variable in variables {
            try check(readstat_validate_variable(writer, UnsafePointer(UnsafeMutablePointer(variable))), "variable")
        }
    }

    /// The longest string a variable of this format holds, in bytes.
    var longestText: Int { format == .dta ? 2045 : 32767 }

    public func add(_ row: [ExportValue]) throws {
        precondition(row.count == columns.count, "a row of \(row.count) values for \(columns.count) columns")
        switch format {
        case .csv:
            for (i, value) in row.enumerated() {
                if i > 0 { csvBuffer.append(44) }
                switch value {
                case .integer(let n): if let n { csvBuffer += Array(String(n).utf8) }
                case .text(let s): csvBuffer += Array(Self.csvField(s).utf8)
                }
            }
            csvBuffer += [13, 10]
            if csvBuffer.count > 1 << 20 { try flushCSV() }
        case .sav, .dta:
            guard let writer else { return }
            try check(readstat_begin_row(writer), "row")
            for (i, value) in row.enumerated() {
                let variable = UnsafePointer<readstat_variable_t>(UnsafeMutablePointer(variables[i]))
                switch value {
                case .integer(let n):
                    if let n {
                        try check(readstat_insert_int32_value(writer, variable, n), columns[i].name)
                    } else {
                        try check(readstat_insert_missing_value(writer, variable), columns[i].name)
                    }
                case .text(let s):
                    // The width was measured over the rows; only a text longer than the
                    // format's strings (a long comment in Stata) is cut, at a character, and
                    // counted for the summary line.
                    let fitted = Self.fit(s, columns[i], longest: longestText)
                    if fitted.utf8.count < s.utf8.count { textsCut += 1 }
                    try check(readstat_insert_string_value(writer, variable, fitted), columns[i].name)
                }
            }
            try check(readstat_end_row(writer), "row")
        }
    }

    /// Completes the file and puts it in place.
    public func finish() throws {
        do {
            switch format {
            case .csv: try flushCSV()
            case .sav, .dta:
                if let writer { try check(readstat_end_writing(writer), "end") }
            }
            try handle.synchronize()
            try handle.close()
        } catch {
            abandon()
            throw error
        }
        guard rename(temporary.path, target.path) == 0 else {
            let reason = String(cString: strerror(errno))
            abandon()
            throw ExportError.write("cannot put \(target.path) in place: \(reason)")
        }
        finished = true
    }

    private func flushCSV() throws {
        try handle.write(contentsOf: Data(csvBuffer))
        csvBuffer.removeAll(keepingCapacity: true)
    }

    static func fit(_ text: String, _ column: ExportColumn, longest: Int = .max) -> String {
        guard case .text(let measured) = column.kind else { return text }
        let width = min(measured, longest)
        guard text.utf8.count > width else { return text }
        var out = ""
        for c in text where out.utf8.count + String(c).utf8.count <= width { out.append(c) }
        return out
    }

    /// RFC 4180: quoted when it holds a comma, quote or line break; a leading `=`, `+`, `-`
    /// or `@` is kept as text by a quote mark (no formula in Excel).
    static func csvField(_ text: String) -> String {
        var value = text
        if let first = value.first, "=+-@".contains(first) { value = "'" + value }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
