/// The dialer's presets: `[presets]` entries (`Home = +44 7700 900123`) followed by the rows
/// of `presets.csv` (alias, country code, number: `Mum,44,020 7946 0000`).
///
/// A bad entry or row is reported with its file and line and left out; the others are kept,
/// so one typo does not empty the dialer.
public struct Presets: Sendable {
    public private(set) var presets: [Preset] = []
    /// Entries and rows that were left out, and why.
    public private(set) var problems: [ConfigError] = []

    /// More than this many presets is a mistake (or not a presets file); the rest are ignored.
    public static let maximumCount = 1000
    public static let maximumNameLength = 100

    public init(presets: [Preset]) {
        self.presets = presets
    }

    /// - Parameters:
    ///   - entries: `[presets]` lines as (name, number, line); `iniFile` names them in problems.
    ///   - csv: the text of `presets.csv`, if there is one; `csvFile` names it in problems.
    ///   - defaultCallingCode: the country of numbers written without one (the first own number's).
    public init(entries: [(name: String, value: String, line: Int)] = [], iniFile: String = "shetphone.ini",
                csv: String? = nil, csvFile: String = "presets.csv", defaultCallingCode: Int? = nil) {
        for entry in entries {
            let problem = add(name: entry.name, number: entry.value, countryCode: nil, defaultCallingCode: defaultCallingCode)
            if let problem { problems.append(ConfigError(iniFile, entry.line, "[presets] \(entry.name): \(problem)")) }
        }
        guard let csv else { return }
        let (records, unterminated) = CSVReader.read(csv)
        for (index, record) in records.enumerated() {
            var fields = record.fields.map { $0.trimmingASCIISpacesForIni() }
            while fields.count > 3, fields.last?.isEmpty == true { fields.removeLast() }
            if fields.first?.hasPrefix("#") == true { continue }
            if index == 0, Presets.isHeader(fields) { continue }
            let problem: String?
            switch fields.count {
            case 3: problem = add(name: fields[0], number: fields[2], countryCode: fields[1], defaultCallingCode: defaultCallingCode)
            case 2: problem = add(name: fields[0], number: fields[1], countryCode: nil, defaultCallingCode: defaultCallingCode)
            default: problem = "expected 3 columns (alias, country code, number), found \(fields.count)"
            }
            if let problem { problems.append(ConfigError(csvFile, record.line, problem)) }
        }
        if let unterminated {
            problems.append(ConfigError(csvFile, unterminated.line, "a quoted field is never closed; the rest of the file is ignored"))
        }
    }

    /// `{"presets":[{"name":...,"number":...,"country":...}]}`, the body of `GET /presets`.
    public var json: JSON {
        ["presets": .array(presets.map(\.json))]
    }

    /// Adds one preset, or returns why it cannot be added.
    private mutating func add(name: String, number text: String, countryCode: String?, defaultCallingCode: Int?) -> String? {
        guard presets.count < Presets.maximumCount else { return "more than \(Presets.maximumCount) presets; this one is ignored" }
        guard !name.isEmpty else { return "the name is empty" }
        guard name.count <= Presets.maximumNameLength else { return "the name is longer than \(Presets.maximumNameLength) characters" }
        guard !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            return "the name contains control characters"
        }
        if let existing = presets.first(where: { $0.name == name }) {
            return "\(JSON.quoted(name)) is already a preset (\(existing.number))"
        }
        var callingCode = defaultCallingCode
        var givenCode: Int?
        if let countryCode, !countryCode.isEmpty {
            guard let code = Presets.callingCode(countryCode) else {
                return "\(JSON.quoted(countryCode)) is not a country calling code (like 44 or +44) or a country (like GB)"
            }
            callingCode = code
            givenCode = code
        }
        let number: PhoneNumber
        do {
            number = try PhoneNumber(parsing: text, defaultCallingCode: callingCode)
        } catch {
            return "\(error)"
        }
        if let givenCode, givenCode != number.countryCallingCode {
            return "\(number) is not in country code +\(givenCode)"
        }
        presets.append(Preset(name: name, number: number))
        return nil
    }

    /// `44`, `+44`, `0044` or an ISO country such as `GB`.
    static func callingCode(_ text: String) -> Int? {
        var digits = Substring(text)
        if digits.hasPrefix("+") { digits = digits.dropFirst() } else if digits.hasPrefix("00") { digits = digits.dropFirst(2) }
        if !digits.isEmpty, digits.count <= 3, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let code = Int(digits) {
            return CallingCode.isAssigned(code) ? code : nil
        }
        return CallingCode.codeForRegion[text.uppercased()]
    }

    /// A first row like `alias,country code,number`: no digits where the number goes.
    static func isHeader(_ fields: [String]) -> Bool {
        guard let last = fields.last, fields.count >= 2 else { return false }
        return !last.contains(where: { $0.isASCII && $0.isNumber }) && callingCode(fields.count == 3 ? fields[1] : "") == nil
    }
}
