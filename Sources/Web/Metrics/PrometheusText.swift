/// Writes the Prometheus text exposition format 0.0.4: a `# HELP` and `# TYPE` line per family,
/// then one `name{label="value"} number` line per sample. Escaping lives here and only here.
public struct PrometheusText: Sendable {
    /// The `Content-Type` scrapers expect for this format.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public private(set) var text = ""

    public init() {}

    /// Starts a family: its help text and type. Samples of that family follow.
    public mutating func family(_ name: String, help: String, type: MetricType) {
        text += "# HELP \(name) \(PrometheusText.escapeHelp(help))\n"
        text += "# TYPE \(name) \(type.rawValue)\n"
    }

    public mutating func sample(_ name: String, labels: [(String, String)] = [], value: Int) {
        line(name, labels, String(value))
    }

    public mutating func sample(_ name: String, labels: [(String, String)] = [], value: Double) {
        line(name, labels, PrometheusText.format(value))
    }

    /// `name_bucket{...,le="..."}` for every bound and `+Inf`, then `name_sum` and `name_count`.
    public mutating func histogram(_ name: String, labels: [(String, String)] = [], _ snapshot: HistogramSnapshot,
                                   unitsPerExported: Double) {
        for (index, count) in snapshot.cumulativeCounts.enumerated() {
            let bound = index < snapshot.upperBounds.count
                ? PrometheusText.format(Double(snapshot.upperBounds[index]) / unitsPerExported) : "+Inf"
            line(name + "_bucket", labels + [("le", bound)], String(count))
        }
        line(name + "_sum", labels, PrometheusText.format(Double(snapshot.sum) / unitsPerExported))
        line(name + "_count", labels, String(snapshot.count))
    }

    private mutating func line(_ name: String, _ labels: [(String, String)], _ value: String) {
        text += name
        if !labels.isEmpty {
            text += "{"
            for (index, (label, labelValue)) in labels.enumerated() {
                if index > 0 { text += "," }
                text += label + "=\"" + PrometheusText.escapeLabelValue(labelValue) + "\""
            }
            text += "}"
        }
        text += " " + value + "\n"
    }

    // MARK: Format rules

    /// A label value: `\`, `"` and newline are escaped (`\\`, `\"`, `\n`).
    public static func escapeLabelValue(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 == 0x5C || $0 == 0x22 || $0 == 0x0A }) else { return value }
        var escaped = ""
        for character in value.unicodeScalars {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }

    /// A help text: `\` and newline are escaped; quotes stay as they are.
    public static func escapeHelp(_ help: String) -> String {
        guard help.utf8.contains(where: { $0 == 0x5C || $0 == 0x0A }) else { return help }
        var escaped = ""
        for character in help.unicodeScalars {
            switch character {
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }

    /// A sample value as Go's ParseFloat reads it: `+Inf`, `-Inf`, `NaN`, whole numbers without
    /// a fraction, others in Swift's shortest round-trip form (`0.005`, `1e-06`).
    public static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    /// `[a-zA-Z_:][a-zA-Z0-9_:]*`
    public static func isMetricName(_ name: String) -> Bool {
        isName(name, allowColon: true)
    }

    /// `[a-zA-Z_][a-zA-Z0-9_]*`
    public static func isLabelName(_ name: String) -> Bool {
        isName(name, allowColon: false)
    }

    private static func isName(_ name: String, allowColon: Bool) -> Bool {
        guard let first = name.utf8.first, !(0x30...0x39).contains(first) else { return false }
        return name.utf8.allSatisfy { byte in
            (0x61...0x7A).contains(byte) || (0x41...0x5A).contains(byte) || (0x30...0x39).contains(byte)
                || byte == 0x5F || (allowColon && byte == 0x3A)
        }
    }
}
