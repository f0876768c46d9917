/// A `SetCookie` that would produce a header browsers misread or that injects attributes.
public struct CookieError: Error, Equatable, CustomStringConvertible {
    public let field: String
    public let value: String
    public let rule: String

    init(_ field: String, _ value: String, _ rule: String) {
        self.field = field
        self.value = value
        self.rule = rule
    }

    public var description: String { "cookie \(field) \(quotedForMessage(value)) \(rule)" }
}
