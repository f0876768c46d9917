/// Reads `Accept-Encoding` (RFC 9110 12.5.3) for the one coding this server produces: gzip.
enum AcceptEncoding {
    /// True when the client accepts gzip: `gzip` (or `x-gzip`) listed with q > 0, or, when it is not
    /// listed, `*` with q > 0. `gzip;q=0` refuses it. No header means no gzip (the safe reading).
    static func allowsGzip(_ headers: HTTPHeaders) -> Bool {
        var gzip: Bool?
        var any: Bool?
        for field in headers where asciiCaseInsensitiveEquals(field.name, "Accept-Encoding") {
            for item in field.value.split(separator: ",") {
                var parts = item.split(separator: ";")
                guard !parts.isEmpty else { continue }
                let coding = parts.removeFirst().trimmingASCIISpaces()
                let accepted = parts.allSatisfy { isNonZeroQuality($0.trimmingASCIISpaces()) }
                if asciiCaseInsensitiveEquals(String(coding), "gzip") || asciiCaseInsensitiveEquals(String(coding), "x-gzip") {
                    gzip = (gzip ?? false) || accepted
                } else if coding == "*" {
                    any = (any ?? false) || accepted
                }
            }
        }
        return gzip ?? any ?? false
    }

    /// A `q=` parameter: false for a zero (`q=0`, `q=0.000`) or an unreadable weight; other parameters pass.
    private static func isNonZeroQuality(_ parameter: Substring) -> Bool {
        guard let equals = parameter.firstIndex(of: "="),
              asciiCaseInsensitiveEquals(String(parameter[..<equals].trimmingASCIISpaces()), "q") else { return true }
        guard let weight = Double(parameter[parameter.index(after: equals)...].trimmingASCIISpaces()),
              weight >= 0, weight <= 1 else { return false }
        return weight > 0
    }
}
