import Foundation
import SurveyModel

/// The result of one sampling or quality check on one cell.
public struct CheckResult: Sendable, Hashable {
    public enum Status: String, Sendable, Comparable {
        case pass, warn, fail
        public static func < (a: Status, b: Status) -> Bool {
            let order: [Status] = [.pass, .warn, .fail]
            return order.firstIndex(of: a)! < order.firstIndex(of: b)!
        }
    }

    public var unit: UnitCode
    public var period: Period
    /// `plan_minimum`, `sample_size_rule`, `dates_in_window`, `duplicates`,
    /// `repeated_dossier`, `missing_share`, `straightlining`.
    public var check: String
    /// An item id for per-item checks, else `ALL`.
    public var subject: String
    public var observed: Double?
    public var required: Double?
    public var status: Status
    public var message: String

    public init(
        unit: UnitCode, period: Period, check: String, subject: String, observed: Double?, required: Double?,
        status: Status, message: String
    ) {
        self.unit = unit
        self.period = period
        self.check = check
        self.subject = subject
        self.observed = observed
        self.required = required
        self.status = status
        self.message = message
    }
}

/// Streams accepted forms into the counts the checks need, per unit × quarter.
public struct CheckAccumulator: Sendable {
    struct Counts: Sendable {
        var forms = 0
        var missing: [Int]
        /// Per answered item, the forms of the channels that ask it: the denominator of its
        /// missing share (the forms of the other channel never saw the question).
        var asked: [Int]
        var straightLined = 0
        var outsideWindow = 0
    }

    let likertPositions: [Int]
    /// Per channel (paper, online), whether each answered item is asked, and its rating items.
    let askedOn: [[Bool]]
    let channelLikertPositions: [[Int]]
    let answeredCount: Int
    let window: ClosedRange<Period>?
    var cells: [UnitCode: [Period: Counts]] = [:]

    /// Whether a quarter lies in the configured survey window (always, without one).
    public func isInWindow(_ quarter: Period) -> Bool { window?.contains(quarter) ?? true }

    /// - Parameters:
    ///   - survey: the instrument; answers arrive for its `answeredItems`, in order.
    public init(survey: SurveyDefinition) {
        let answered = survey.answeredItems
        likertPositions = answered.indices.filter { answered[$0].isRating }
        askedOn = [Channel.paper, .online].map { channel in answered.map { $0.isAsked(on: channel) } }
        channelLikertPositions = askedOn.map { asked in answered.indices.filter { answered[$0].isRating && asked[$0] } }
        answeredCount = answered.count
        if let first = survey.rules.firstPeriod, let last = survey.rules.lastPeriod, first <= last {
            window = first...last
        } else {
            window = nil
        }
    }

    /// Adds one accepted form; `answers` has one entry per answered item (`missingAnswer` = missing).
    /// - Parameter channel: the form's channel; its items of the other channel are not asked
    ///   (nil: every item is asked).
    public mutating func add(unit: UnitCode, quarter: Period, channel: Channel? = nil, answers: [UInt8]) {
        var counts = cells[unit]?[quarter] ?? Counts(missing: Array(repeating: 0, count: answeredCount), asked: Array(repeating: 0, count: answeredCount))
        counts.forms += 1
        let asked = channel.map { askedOn[$0 == .paper ? 0 : 1] }
        for j in 0..<answeredCount where asked?[j] ?? true {
            counts.asked[j] += 1
            if answers[j] == missingAnswer { counts.missing[j] += 1 }
        }
        // Straight-lining: at least five Likert answers (or all, if fewer items), all identical,
        // among the items the form's channel asks.
        let ratings = channel.map { channelLikertPositions[$0 == .paper ? 0 : 1] } ?? likertPositions
        let given = ratings.map { answers[$0] }.filter { $0 != missingAnswer }
        if given.count >= min(5, ratings.count), let first = given.first, given.allSatisfy({ $0 == first }) {
            counts.straightLined += 1
        }
        if let window, !window.contains(quarter) { counts.outsideWindow += 1 }
        cells[unit, default: [:]][quarter] = counts
    }

    /// Adds the tally of one atom's forms (the same counts as adding each of its forms).
    /// - Parameter channel: the atom's channel (nil: every item is asked).
    public mutating func add(unit: UnitCode, quarter: Period, channel: Channel? = nil, tally: AtomTally) {
        var counts = cells[unit]?[quarter] ?? Counts(missing: Array(repeating: 0, count: answeredCount), asked: Array(repeating: 0, count: answeredCount))
        counts.forms += tally.forms
        let asked = channel.map { askedOn[$0 == .paper ? 0 : 1] }
        for j in 0..<answeredCount where asked?[j] ?? true {
            counts.asked[j] += tally.forms
            counts.missing[j] += tally.missing[j]
        }
        counts.straightLined += tally.straightLined
        if let window, !window.contains(quarter) { counts.outsideWindow += tally.forms }
        cells[unit, default: [:]][quarter] = counts
    }

    /// Evaluates every check for every unit × quarter seen, and the sample-size rule for
    /// unit × year where the year's dossiers are known.
    ///
    /// Sample-size rule (MoHA guidance, Yamane's formula): n ≥ N / (1 + N e²), N the
    /// dossiers handled by the unit in the period (all channels), e the margin of error.
    /// - Parameter units: every unit of units.csv; a unit with no form in a quarter that
    ///   others have (or that lies in the survey window) fails the plan minimum with 0 forms,
    ///   where it exists (`lineage`).
    public func evaluate(
        survey: SurveyDefinition, population: [PopulationCount], duplicates: [UnitCode: [Period: Int]],
        repeatedDossiers: [UnitCode: [Period: Int]], units: [UnitCode] = [], lineage: UnitLineage? = nil
    ) -> [CheckResult] {
        var cells = self.cells
        var quarters = Set(cells.values.flatMap(\.keys))
        if let window {
            quarters = quarters.filter { window.contains($0) }
            var q = window.lowerBound
            while q <= window.upperBound {
                quarters.insert(q)
                q = Period(year: q.quarter == 4 ? q.year + 1 : q.year, quarter: q.quarter == 4 ? 1 : q.quarter! + 1)
            }
        }
        for unit in units {
            // Only where the unit exists (units.csv valid_from, valid_to).
            for quarter in quarters where cells[unit]?[quarter] == nil && (lineage?.exists(unit, in: quarter) ?? true) {
                cells[unit, default: [:]][quarter] = Counts(missing: Array(repeating: 0, count: answeredCount), asked: Array(repeating: 0, count: answeredCount))
            }
        }
        let rules = survey.rules
        let items = survey.answeredItems
        var dossiers: [UnitCode: [Period: Double]] = [:]
        for row in population { dossiers[row.unit, default: [:]][row.period, default: 0] += row.dossiers }
        var results: [CheckResult] = []
        for unit in cells.keys.sorted() {
            let quarters = cells[unit]!
            for quarter in quarters.keys.sorted() {
                let c = quarters[quarter]!
                func add(_ check: String, _ subject: String = wholeCellSubject, observed: Double?, required: Double?,
                         _ status: CheckResult.Status, _ message: String) {
                    results.append(CheckResult(
                        unit: unit, period: quarter, check: check, subject: subject, observed: observed,
                        required: required, status: status, message: message))
                }
                let n = Double(c.forms)
                guard c.forms > 0 else {
                    add("plan_minimum", observed: 0, required: Double(rules.planMinimum), rules.planMinimum == 0 ? .pass : .fail,
                        "no valid form this quarter; the plan minimum is \(rules.planMinimum)")
                    if let bigN = dossiers[unit]?[quarter] {
                        results.append(sampleSizeCheck(unit: unit, period: quarter, forms: 0, dossiers: bigN, e: rules.marginOfError))
                    }
                    continue
                }
                let planOK = c.forms >= rules.planMinimum
                add("plan_minimum", observed: n, required: Double(rules.planMinimum), planOK ? .pass : .fail,
                    planOK ? "\(c.forms) valid forms, plan minimum \(rules.planMinimum)"
                        : "\(c.forms) valid forms, \(rules.planMinimum - c.forms) short of the plan minimum \(rules.planMinimum)")
                if let bigN = dossiers[unit]?[quarter] {
                    results.append(sampleSizeCheck(unit: unit, period: quarter, forms: c.forms, dossiers: bigN, e: rules.marginOfError))
                }
                if window != nil {
                    add("dates_in_window", observed: Double(c.outsideWindow), required: 0,
                        c.outsideWindow == 0 ? .pass : .fail,
                        c.outsideWindow == 0 ? "all forms dated inside \(rules.firstPeriod!)...\(rules.lastPeriod!)"
                            : "\(c.outsideWindow) forms dated outside the survey window \(rules.firstPeriod!)...\(rules.lastPeriod!)")
                }
                let dup = duplicates[unit]?[quarter] ?? 0
                add("duplicates", observed: Double(dup), required: 0, dup == 0 ? .pass : .warn,
                    dup == 0 ? "no duplicated form ids" : "\(dup) forms repeat an earlier form id and were not counted")
                let rep = repeatedDossiers[unit]?[quarter] ?? 0
                add("repeated_dossier", observed: Double(rep), required: 0, rep == 0 ? .pass : .warn,
                    rep == 0 ? "no dossier rated twice" : "\(rep) dossier codes rated on more than one form")
                // Per item, over the forms of the channels that ask it (all forms, for most items).
                for (j, item) in items.enumerated() {
                    let channels = item.channels == Channel.allCases ? "" : " " + item.channels.map(\.rawValue).joined(separator: " or ")
                    guard c.asked[j] > 0 else {
                        add("missing_share", item.id, observed: nil, required: rules.maxMissingShare, .pass,
                            "no\(channels) form this quarter: \(item.id) was not asked")
                        continue
                    }
                    let share = Double(c.missing[j]) / Double(c.asked[j])
                    let ok = share <= rules.maxMissingShare
                    add("missing_share", item.id, observed: share, required: rules.maxMissingShare, ok ? .pass : .fail,
                        "\(c.missing[j]) of \(c.asked[j])\(channels) forms left \(item.id) unanswered")
                }
                let straight = Double(c.straightLined) / n
                let straightOK = straight <= rules.maxStraightliningShare
                add("straightlining", observed: straight, required: rules.maxStraightliningShare,
                    straightOK ? .pass : .fail, "\(c.straightLined) of \(c.forms) forms gave one identical answer to every question")
            }
            // The rule on a whole year, where the year's dossiers are given.
            var yearForms: [Int: Int] = [:]
            for (quarter, c) in quarters { yearForms[quarter.year, default: 0] += c.forms }
            for year in yearForms.keys.sorted() {
                let period = Period(year: year)
                if let bigN = dossiers[unit]?[period] {
                    results.append(sampleSizeCheck(unit: unit, period: period, forms: yearForms[year]!, dossiers: bigN, e: rules.marginOfError))
                }
            }
        }
        return results
    }

    /// n ≥ N / (1 + N e²); N = 1 000, e = 0.05 needs 286 forms.
    public static func requiredSampleSize(dossiers: Double, marginOfError e: Double) -> Int {
        guard dossiers > 0, e > 0 else { return 0 }
        let need = (dossiers / (1 + dossiers * e * e) - 1e-9).rounded(.up)
        return need.isFinite && need < 1e15 ? Int(need) : Int(1e15)
    }

    /// The smallest margin of error at which `forms` pass the rule for `dossiers`:
    /// n ≥ N/(1 + N e²) ⇔ e ≥ √(1/n − 1/N); nil without forms.
    public static func marginThatPasses(forms: Int, dossiers: Double) -> Double? {
        guard forms > 0, dossiers > 0 else { return nil }
        return max(0, 1 / Double(forms) - 1 / dossiers).squareRoot()
    }

    /// When the sample-size rule fails in most unit × quarter cells: how many, and the margins
    /// of error at which nine in ten, and all, of the cells with forms would pass (rounded up
    /// to a hundredth); nil when it fails in half of them or fewer.
    public static func sampleSizeAdvice(_ results: [CheckResult], population: [PopulationCount])
        -> (failed: Int, cells: Int, ninetyPercent: Double, all: Double)?
    {
        var dossiers: [UnitCode: [Period: Double]] = [:]
        for row in population { dossiers[row.unit, default: [:]][row.period, default: 0] += row.dossiers }
        let rule = results.filter { $0.check == "sample_size_rule" && $0.period.isQuarter }
        let failed = rule.filter { $0.status == .fail }.count
        guard !rule.isEmpty, failed * 2 > rule.count else { return nil }
        let margins = rule.compactMap { r -> Double? in
            guard let n = r.observed, let bigN = dossiers[r.unit]?[r.period] else { return nil }
            return marginThatPasses(forms: Int(n), dossiers: bigN)
        }.sorted()
        guard !margins.isEmpty else { return nil }
        func up(_ e: Double) -> Double { (e * 100 - 1e-9).rounded(.up) / 100 }
        let ninety = margins[min(margins.count - 1, Int((Double(margins.count) * 0.9).rounded(.up)) - 1)]
        return (failed, rule.count, up(ninety), up(margins.last!))
    }

    func sampleSizeCheck(unit: UnitCode, period: Period, forms: Int, dossiers: Double, e: Double) -> CheckResult {
        let need = Self.requiredSampleSize(dossiers: dossiers, marginOfError: e)
        let ok = forms >= need
        let nText = String(format: "%.0f", dossiers)
        return CheckResult(
            unit: unit, period: period, check: "sample_size_rule", subject: wholeCellSubject, observed: Double(forms),
            required: Double(need), status: ok ? .pass : .fail,
            message: ok ? "\(forms) forms for \(nText) dossiers; the rule n >= N/(1+N e^2) needs \(need)"
                : "\(forms) forms for \(nText) dossiers; the rule n >= N/(1+N e^2) needs \(need), \(need - forms) short")
    }
}
