/// Form parameters from Twilio, read by name (the first value wins).
struct TwilioParameters {
    let pairs: [(String, String)]
    init(_ pairs: [(String, String)]) { self.pairs = pairs }
    subscript(name: String) -> String? {
        guard let value = pairs.first(where: { $0.0 == name })?.1, !value.isEmpty else { return nil }
        return value
    }
}
