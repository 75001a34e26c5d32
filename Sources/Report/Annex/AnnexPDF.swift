import Foundation
import SurveyModel
import ZIPFoundation

/// `annex.pdf`: the annex (`annex.docx`) converted by LibreOffice headless to PDF/A-2b, fonts
/// embedded (Times New Roman, or its metric twin Liberation Serif where Times is not
/// installed), made byte-reproducible by `ReproduciblePDF`. Without LibreOffice the release
/// is published without it and says why (`ReportError.rendererUnavailable`).
enum AnnexPDF: ReportOutput {
    static let file = ReleaseFile(
        name: "annex.pdf", stage: "report", vi: "phụ lục quyết định (PDF, để ký số)",
        en: "the decision annex (PDF, to sign)", download: true)

    static func render(_ release: ReleaseContext) throws -> Data? {
        guard let docx = try AnnexDocx.render(release) else { return nil }
        let pdf = try LibreOffice.convertToPDF(docx, name: "annex", shouldStop: release.input.shouldStop)
        do {
            return Data(try ReproduciblePDF.normalise([UInt8](pdf), date: release.input.releaseDate, id: FileDigest.identifier(docx)))
        } catch {
            release.warnings.append(
                "annex.pdf: LibreOffice's PDF could not be made reproducible (\(error)); published as converted, so it differs from one run to the next")
            return pdf
        }
    }
}

/// LibreOffice headless as a converter: its own profile folder per conversion (a shared
/// profile is locked by a running instance), a time limit, everything in a temporary folder
/// removed afterwards.
enum LibreOffice {
    /// Seconds a conversion may take before it is stopped.
    static let timeLimit = 180

    /// `SIPAS_SOFFICE` (a path, or `none`: no PDF), else `soffice` on the PATH, or nil.
    static var executable: String? {
        let environment = ProcessInfo.processInfo.environment
        if let chosen = environment["SIPAS_SOFFICE"] {
            return chosen != "none" && FileManager.default.isExecutableFile(atPath: chosen) ? chosen : nil
        }
        return which("soffice", environment)
    }

    /// What the manifest records of the renderer: whether a release can have its PDF.
    static var availability: String { executable.map { "libreoffice \($0)" } ?? "none" }

    /// Why there is no renderer.
    static var missingReason: String {
        switch ProcessInfo.processInfo.environment["SIPAS_SOFFICE"] {
        case "none": "SIPAS_SOFFICE=none: no PDF is made"
        case let path?: "SIPAS_SOFFICE=\(path) is not an executable file"
        case nil: "LibreOffice (soffice) is not installed: install libreoffice-writer-nogui and fonts-liberation (make run does), then run again"
        }
    }

    static func which(_ name: String, _ environment: [String: String]) -> String? {
        for dir in (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let path = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// - Parameter shouldStop: asked while LibreOffice works; once true, the conversion is
    ///   stopped (SIGTERM, passed on by coreutils' timeout to the office's process group) and
    ///   this throws at once, rather than a run asked to stop waiting up to `timeLimit`.
    /// - Parameter office: LibreOffice's `soffice` (default: `executable`).
    static func convertToPDF(_ docx: Data, name: String, office: String? = executable, shouldStop: () -> Bool = { false }) throws -> Data {
        guard let soffice = office else { throw ReportError.rendererUnavailable(missingReason) }
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("sipas-annex-\(getpid())-\(UInt64.random(in: 0...UInt64.max))")
        defer { try? fm.removeItem(at: dir) }
        let source = dir.appendingPathComponent("\(name).docx")
        do {
            try fm.createDirectory(at: dir, withIntermediateDirectories: true)
            try docx.write(to: source)
        } catch {
            throw ReportError.rendererUnavailable("cannot prepare LibreOffice's conversion in \(fm.temporaryDirectory.path): \(error)")
        }
        let filter = #"pdf:writer_pdf_Export:{"SelectPdfVersion":{"type":"long","value":"2"}}"#
        var arguments = ["-env:UserInstallation=\(dir.appendingPathComponent("profile").absoluteString)", "--headless", "--norestore",
                         "--nolockcheck", "--convert-to", filter, "--outdir", dir.path, source.path]
        let process = Process()
        // coreutils' timeout stops soffice and the office process it starts (its process group).
        let environment = ProcessInfo.processInfo.environment
        if let timeout = which("timeout", environment) {
            process.executableURL = URL(fileURLWithPath: timeout)
            arguments = ["-k", "10", String(timeLimit), soffice] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: soffice)
        }
        process.arguments = arguments
        var env = environment
        if env["HOME"] == nil { env["HOME"] = dir.path }
        // LibreOffice writes the moment of conversion with the local offset; in UTC the dates
        // have one form everywhere, and ReproduciblePDF replaces their digits.
        env["TZ"] = "UTC"
        process.environment = env
        let log = dir.appendingPathComponent("soffice.log")
        fm.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        defer { try? handle.close() }
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        // A child starts with its parent thread's blocked signals, and this may be one of
        // Dispatch's worker threads (the report renders two files at a time), which block
        // them all: `timeout` and LibreOffice would never see the SIGTERM that stops them. So
        // the office starts with none blocked, as from a shell.
        var none = sigset_t()
        var blocked = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, &blocked)
        do {
            try process.run()
            pthread_sigmask(SIG_SETMASK, &blocked, nil)
        } catch {
            pthread_sigmask(SIG_SETMASK, &blocked, nil)
            throw ReportError.rendererUnavailable("cannot start \(process.executableURL?.path ?? soffice): \(error)")
        }
        if process.executableURL?.lastPathComponent != "timeout" {
            // No coreutils timeout: a timer of our own stops a conversion that hangs.
            DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(timeLimit + 10)) { [process] in
                if process.isRunning { process.terminate() }
            }
        }
        while process.isRunning {
            if shouldStop() {
                process.terminate()
                process.waitUntilExit()
                throw ReportError.rendererUnavailable("LibreOffice's conversion of \(name).docx was stopped: the run was asked to stop")
            }
            usleep(20_000)
        }
        process.waitUntilExit()
        let output = dir.appendingPathComponent("\(name).pdf")
        guard process.terminationStatus == 0, let pdf = fm.contents(atPath: output.path), pdf.starts(with: Array("%PDF-".utf8)) else {
            let said = (fm.contents(atPath: log.path).map { String(decoding: $0, as: UTF8.self) } ?? "")
                .split(separator: "\n").filter { !$0.contains("javaldx") }.suffix(3).joined(separator: " ")
            let status = [124, 137].contains(process.terminationStatus) || process.terminationReason == .uncaughtSignal
                ? "stopped after \(timeLimit) s" : "exit status \(process.terminationStatus)"
            throw ReportError.rendererUnavailable("LibreOffice could not convert \(name).docx (\(status)): \(said)")
        }
        return pdf
    }
}

enum FileDigest {
    /// 32 hex digits from `data`, the length of a PDF file identifier (two FNV-1a hashes:
    /// an identifier that follows the document, not a security measure).
    static func identifier(_ data: Data) -> String {
        var a: UInt64 = 0xcbf2_9ce4_8422_2325, b: UInt64 = 0x8422_2325_cbf2_9ce4
        for byte in data {
            a = (a ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            b = (b ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 &+ 1
        }
        return String(format: "%016llX%016llX", a, b)
    }
}

/// A PDF written by LibreOffice made byte-reproducible: the moments of conversion it records
/// are replaced by the release date (the information dictionary's dates, the XMP packet's, the
/// date inside the sRGB colour profile of PDF/A's output intent, which lcms stamps), and the
/// file identifier and LibreOffice's checksum by a digest of the .docx. Dates keep their
/// length; the colour profile is compressed again and every object after it moves, so the
/// cross-reference table is written again from the original one and checked: each entry
/// must point at its object, or `normalise` throws (and the PDF is published as LibreOffice
/// wrote it, with a warning in the log).
enum ReproduciblePDF {
    struct Patch {
        var range: Range<Int>
        var bytes: [UInt8]
    }

    static func normalise(_ pdf: [UInt8], date: String, id: String) throws -> [UInt8] {
        let digits = date.filter(\.isNumber)
        guard digits.count == 8 else { throw ReportError.xmlWriter("release date \(date)") }
        var patches: [Patch] = []
        // Info dictionary: /CreationDate(D:20261207111011Z') and /ModDate: digits only.
        for key in ["/CreationDate(D:", "/ModDate(D:"] {
            for start in occurrences(of: key, in: pdf) {
                let at = start + key.utf8.count
                guard at + 14 <= pdf.count, pdf[at..<at + 14].allSatisfy({ (48...57).contains($0) }) else { continue }
                patches.append(Patch(range: at..<at + 14, bytes: Array((digits + "000000").utf8)))
            }
        }
        // XMP: <xmp:CreateDate>2026-12-07T11:10:11Z</xmp:CreateDate> and its kin.
        let isoDay = "\(digits.prefix(4))-\(digits.dropFirst(4).prefix(2))-\(digits.suffix(2))"
        for tag in ["<xmp:CreateDate>", "<xmp:ModifyDate>", "<xmp:MetadataDate>"] {
            for start in occurrences(of: tag, in: pdf) {
                let at = start + tag.utf8.count
                guard let end = index(of: "<", in: pdf, from: at), end - at >= 19 else { continue }
                let stamp = Array((isoDay + "T00:00:00").utf8) + Array(pdf[(at + 19)..<end]).map { b in (48...57).contains(b) ? 48 : b }
                patches.append(Patch(range: at..<end, bytes: stamp))
            }
        }
        // The file identifier (two 32-digit hex strings) and LibreOffice's /DocChecksum.
        let hex = Array(id.utf8)
        if let start = occurrences(of: "/ID [ <", in: pdf).last {
            let first = start + 7
            if let second = index(of: "<", in: pdf, from: first + 32) {
                patches.append(Patch(range: first..<first + 32, bytes: hex))
                patches.append(Patch(range: second + 1..<second + 33, bytes: hex))
            }
        }
        if let start = occurrences(of: "/DocChecksum /", in: pdf).last {
            let at = start + 14
            patches.append(Patch(range: at..<at + 32, bytes: hex))
        }
        let xref = try crossReferences(pdf)
        patches += try colourProfile(pdf, offsets: xref.offsets, date: digits)
        return try apply(patches, to: pdf, xref: xref)
    }

    // MARK: the colour profile of the output intent

    /// The output intent's ICC profile (`/DestOutputProfile n 0 R`) with its creation date
    /// (header bytes 24-35) set to the release date, compressed again; its `/Length` follows.
    static func colourProfile(_ pdf: [UInt8], offsets: [Int: Int], date: String) throws -> [Patch] {
        guard let ref = occurrences(of: "/DestOutputProfile ", in: pdf).first,
            let number = integer(in: pdf, at: ref + 19), let object = offsets[number.value]
        else { return [] }
        guard let streamKeyword = occurrences(of: "stream", in: pdf, from: object).first,
            let lengthKey = occurrences(of: "/Length ", in: pdf, from: object).first, lengthKey < streamKeyword,
            let length = integer(in: pdf, at: lengthKey + 8)
        else { return [] }
        var start = streamKeyword + 6
        if pdf[start] == 13 { start += 1 }
        if pdf[start] == 10 { start += 1 }
        // The length: direct, or `/Length 218 0 R` pointing at an object holding the number.
        var lengthRange = lengthKey + 8..<length.end
        var streamLength = length.value
        let afterNumber = Array(pdf[length.end..<min(pdf.count, length.end + 4)])
        if afterNumber.starts(with: Array(" 0 R".utf8)) {
            guard let lengthObject = offsets[length.value], let objectKeyword = occurrences(of: "obj", in: pdf, from: lengthObject).first
            else { return [] }
            var at = objectKeyword + 3
            while at < pdf.count, pdf[at] == 10 || pdf[at] == 13 || pdf[at] == 32 { at += 1 }
            guard let value = integer(in: pdf, at: at) else { return [] }
            lengthRange = at..<value.end
            streamLength = value.value
        }
        let compressed = Data(pdf[start..<start + streamLength])
        guard compressed.count > 6, compressed[compressed.startIndex] == 0x78 else { return [] }
        var profile = try inflate(compressed.dropFirst(2))
        guard profile.count > 40, Array(profile[36..<40]) == Array("acsp".utf8) else { return [] }
        let parts = [Int(date.prefix(4))!, Int(date.dropFirst(4).prefix(2))!, Int(date.suffix(2))!, 0, 0, 0]
        for (i, value) in parts.enumerated() {
            profile[24 + 2 * i] = UInt8(value >> 8)
            profile[25 + 2 * i] = UInt8(value & 0xff)
        }
        let stream = try zlibStream(profile)
        return [Patch(range: start..<start + streamLength, bytes: stream),
                Patch(range: lengthRange, bytes: Array(String(stream.count).utf8))]
    }

    static func inflate(_ deflated: Data) throws -> [UInt8] {
        var out = Data()
        let input = Data(deflated)
        _ = try Data.decompress(size: Int64(input.count), bufferSize: 64 * 1024, skipCRC32: true, provider: { position, size in
            let from = Int(position)
            return from >= input.count ? Data() : input.subdata(in: from..<min(input.count, from + size))
        }, consumer: { out.append($0) })
        return [UInt8](out)
    }

    /// zlib format (RFC 1950: header, raw deflate, Adler-32), as PDF's FlateDecode reads it.
    static func zlibStream(_ bytes: [UInt8]) throws -> [UInt8] {
        let input = Data(bytes)
        var raw = Data()
        _ = try Data.compress(size: Int64(input.count), bufferSize: 64 * 1024, provider: { position, size in
            let from = Int(position)
            return from >= input.count ? Data() : input.subdata(in: from..<min(input.count, from + size))
        }, consumer: { raw.append($0) })
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in bytes {
            a = (a + UInt32(byte)) % 65_521
            b = (b + a) % 65_521
        }
        let adler = (b << 16) | a
        return [0x78, 0x9C] + [UInt8](raw) + [UInt8(adler >> 24), UInt8((adler >> 16) & 0xff), UInt8((adler >> 8) & 0xff), UInt8(adler & 0xff)]
    }

    // MARK: the cross-reference table

    struct CrossReferences {
        /// Where `xref` starts.
        var start: Int
        /// Where `trailer` starts.
        var end: Int
        var first: Int
        /// Each entry: offset, generation, in use.
        var entries: [(offset: Int, generation: Int, inUse: Bool)]
        var offsets: [Int: Int] {
            var out: [Int: Int] = [:]
            for (i, e) in entries.enumerated() where e.inUse { out[first + i] = e.offset }
            return out
        }
    }

    /// A classic cross-reference table of one subsection, as LibreOffice writes it.
    static func crossReferences(_ pdf: [UInt8]) throws -> CrossReferences {
        guard let startxref = occurrences(of: "startxref", in: pdf).last,
            let at = integer(in: pdf, at: skipSpace(pdf, startxref + 9)), at.value < pdf.count,
            Array(pdf[at.value..<min(pdf.count, at.value + 4)]) == Array("xref".utf8),
            let first = integer(in: pdf, at: skipSpace(pdf, at.value + 4)),
            let count = integer(in: pdf, at: first.end + 1)
        else { throw ReportError.xmlWriter("no classic cross-reference table") }
        var entries: [(Int, Int, Bool)] = []
        var line = skipSpace(pdf, count.end)
        for _ in 0..<count.value {
            guard line + 20 <= pdf.count, let offset = Int(String(decoding: pdf[line..<line + 10], as: UTF8.self)),
                let generation = Int(String(decoding: pdf[line + 11..<line + 16], as: UTF8.self))
            else { throw ReportError.xmlWriter("cross-reference entry") }
            entries.append((offset, generation, pdf[line + 17] == UInt8(ascii: "n")))
            line += 20
        }
        guard Array(pdf[line..<min(pdf.count, line + 7)]) == Array("trailer".utf8) else {
            throw ReportError.xmlWriter("more than one cross-reference subsection")
        }
        return CrossReferences(start: at.value, end: line, first: first.value, entries: entries)
    }

    /// The patches applied and the table written again for the objects' new places, then
    /// checked. Patches in the trailer (the identifier, the checksum) keep their length.
    static func apply(_ patches: [Patch], to pdf: [UInt8], xref: CrossReferences) throws -> [UInt8] {
        let sorted = patches.sorted { $0.range.lowerBound < $1.range.lowerBound }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.range.upperBound > b.range.lowerBound {
            throw ReportError.xmlWriter("overlapping PDF patches")
        }
        let body = sorted.filter { $0.range.upperBound <= xref.start }
        let trailerPatches = sorted.filter { $0.range.lowerBound >= xref.end }
        guard body.count + trailerPatches.count == sorted.count, trailerPatches.allSatisfy({ $0.bytes.count == $0.range.count }),
            let startxref = occurrences(of: "startxref", in: pdf, from: xref.end).last
        else { throw ReportError.xmlWriter("a patch in the cross-reference table") }
        var out: [UInt8] = []
        out.reserveCapacity(pdf.count + 64)
        var shifts: [(at: Int, delta: Int)] = []
        var position = 0
        for patch in body {
            out += pdf[position..<patch.range.lowerBound]
            out += patch.bytes
            shifts.append((patch.range.upperBound, patch.bytes.count - patch.range.count))
            position = patch.range.upperBound
        }
        func moved(_ offset: Int) -> Int { offset + shifts.filter { $0.at <= offset }.reduce(0) { $0 + $1.delta } }
        out += pdf[position..<xref.start]
        let newStart = out.count
        var table = "xref\n\(xref.first) \(xref.entries.count)\n"
        for e in xref.entries {
            table += String(format: "%010d %05d %@ \n", e.inUse ? moved(e.offset) : e.offset, e.generation, e.inUse ? "n" : "f")
        }
        out += Array(table.utf8)
        var trailer = Array(pdf[xref.end..<startxref])
        for patch in trailerPatches {
            trailer.replaceSubrange((patch.range.lowerBound - xref.end)..<(patch.range.upperBound - xref.end), with: patch.bytes)
        }
        out += trailer
        out += Array("startxref\n\(newStart)\n%%EOF\n".utf8)
        // Every object where the table says.
        for (i, e) in xref.entries.enumerated() where e.inUse {
            let at = moved(e.offset)
            let head = Array("\(xref.first + i) \(e.generation) obj".utf8)
            guard at + head.count <= out.count, Array(out[at..<at + head.count]) == head else {
                throw ReportError.xmlWriter("object \(xref.first + i) not where the table says")
            }
        }
        return out
    }

    // MARK: bytes

    static func occurrences(of text: String, in bytes: [UInt8], from: Int = 0) -> [Int] {
        let needle = Array(text.utf8)
        guard let first = needle.first, bytes.count >= needle.count else { return [] }
        var found: [Int] = []
        var i = from
        while i <= bytes.count - needle.count {
            if bytes[i] == first && Array(bytes[i..<i + needle.count]) == needle { found.append(i) }
            i += 1
        }
        return found
    }

    static func index(of text: String, in bytes: [UInt8], from: Int) -> Int? {
        let needle = Array(text.utf8)
        var i = from
        while i <= bytes.count - needle.count {
            if Array(bytes[i..<i + needle.count]) == needle { return i }
            i += 1
        }
        return nil
    }

    static func skipSpace(_ bytes: [UInt8], _ at: Int) -> Int {
        var i = at
        while i < bytes.count, bytes[i] == 10 || bytes[i] == 13 || bytes[i] == 32 { i += 1 }
        return i
    }

    static func integer(in bytes: [UInt8], at: Int) -> (value: Int, end: Int)? {
        var i = at, value = 0
        while i < bytes.count, (48...57).contains(bytes[i]) {
            value = value * 10 + Int(bytes[i] - 48)
            i += 1
        }
        return i > at ? (value, i) : nil
    }
}
