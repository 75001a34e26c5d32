import Logging
import Stages

/// Text logs, one line per message whatever it quotes: a control character in a file name,
/// a unit or an answer is written escaped (`SummaryLine.escaped`), so no name can forge a log
/// line or the cron mail's last line.
struct EscapingLogHandler: LogHandler {
    var base: StreamLogHandler

    var logLevel: Logger.Level {
        get { base.logLevel }
        set { base.logLevel = newValue }
    }

    var metadata: Logger.Metadata {
        get { base.metadata }
        set { base.metadata = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { base[metadataKey: key] }
        set { base[metadataKey: key] = newValue }
    }

    func log(
        level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String,
        function: String, line: UInt
    ) {
        base.log(
            level: level, message: "\(SummaryLine.escaped(message.description))", metadata: metadata, source: source, file: file,
            function: function, line: line)
    }
}
