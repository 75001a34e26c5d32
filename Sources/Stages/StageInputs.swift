import Foundation
import Ingest
import Storage

/// What a stage output was computed from. Stored with the output (in `meta` for the
/// database tables, in `manifest.json` for the release) and compared before it is used,
/// so that nothing stale is published under new labels.
struct StageInputs: Equatable {
    var programVersion: String
    /// `SurveyDatabase.ingestState`: every ingested file's hash and status, and the instrument.
    var ingestState: String
    var surveyFile: String
    var unitsFile: String
    var populationFile: String

    /// SHA-256 of each configuration file's bytes ("none" when absent) as the folder read
    /// them (`SurveyFolder.configurationDigests`), not as they are now.
    init(folder: SurveyFolder, ingestState: String) {
        func hash(_ name: String) -> String { folder.configurationDigests[name] ?? "none" }
        programVersion = Stages.programVersion
        self.ingestState = ingestState
        surveyFile = hash("survey.toml")
        unitsFile = hash("units.csv")
        populationFile = hash("population.csv")
    }

    init?(encoded: String) {
        var fields: [String: String] = [:]
        for part in encoded.split(separator: ";") {
            let pieces = part.split(separator: "=", maxSplits: 1)
            if pieces.count == 2 { fields[String(pieces[0])] = String(pieces[1]) }
        }
        guard let v = fields["version"], let i = fields["ingest"], let s = fields["survey.toml"],
            let u = fields["units.csv"], let p = fields["population.csv"]
        else { return nil }
        (programVersion, ingestState, surveyFile, unitsFile, populationFile) = (v, i, s, u, p)
    }

    var encoded: String {
        "version=\(programVersion);ingest=\(ingestState);survey.toml=\(surveyFile);units.csv=\(unitsFile);population.csv=\(populationFile)"
    }

    /// What differs, in words, for a message that says why an output is stale.
    func changes(since old: StageInputs) -> [String] {
        var out: [String] = []
        if old.surveyFile != surveyFile { out.append("survey.toml changed") }
        if old.unitsFile != unitsFile { out.append("units.csv changed") }
        if old.populationFile != populationFile { out.append("population.csv changed") }
        if old.ingestState != ingestState { out.append("the ingested forms changed") }
        if old.programVersion != programVersion { out.append("the program changed (\(old.programVersion) to \(programVersion))") }
        return out
    }
}

/// Stops requested by SIGINT or SIGTERM: the handlers only set a flag, which the stages
/// poll between files, every 1,024 rows and before publishing.
public enum StopSignal {
    public static func install() { cshimsInstall() }
    /// The signal received (2 or 15), or 0.
    public static var received: Int32 { cshimsReceived() }
    public static var requested: Bool { received != 0 }
}
