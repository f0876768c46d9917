/// A type an option or positional argument can hold, read from its command-line text.
public protocol ArgumentValue {
    init?(argument: String)
    /// What the text must be, for the error when it is not (`a whole number`).
    static var expected: String { get }
}

extension String: ArgumentValue {
    public init?(argument: String) { self = argument }
    public static var expected: String { "text" }
}

extension Int: ArgumentValue {
    public init?(argument: String) { self.init(argument, radix: 10) }
    public static var expected: String { "a whole number" }
}
