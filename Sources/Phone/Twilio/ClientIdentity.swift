/// The rules Twilio applies to a Voice client name (`client:alice`), checked before a
/// token or `<Client>` carries it. Twilio error 31105: no control, space, delimiter or
/// "unwise" characters (RFC 2396), at most 256 characters.
public enum ClientIdentity {
    public static let maximumLength = 256

    /// Why `name` cannot be a client identity, or nil when it can.
    public static func problem(with name: String) -> String? {
        if name.isEmpty { return "a client identity cannot be empty" }
        if name.unicodeScalars.count > maximumLength {
            return "a client identity is at most \(maximumLength) characters"
        }
        for scalar in name.unicodeScalars {
            if scalar.value < 0x21 || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value)
                || scalar.properties.isWhitespace
            {
                return "a client identity cannot contain spaces or control characters"
            }
            if "<>#%\"{}|\\^[]`".unicodeScalars.contains(scalar) {
                return "a client identity cannot contain \(scalar) (Twilio refuses <>#%\"{}|\\^[]`)"
            }
        }
        return nil
    }

    public static func isValid(_ name: String) -> Bool { problem(with: name) == nil }
}
