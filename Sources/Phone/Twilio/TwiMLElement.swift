/// One TwiML element (a verb such as `<Dial>` or a noun such as `<Number>`): a fixed name,
/// attributes in the order written, and child elements or text.
///
/// Names come from this code; attribute values and text may come from callers, config or
/// Twilio's parameters, and are escaped when the document is written.
public struct TwiMLElement: Sendable, Equatable {
    public var name: String
    public var attributes: [(String, String)]
    public var children: [TwiMLNode]

    /// Attributes whose value is nil are left out, so optional settings read naturally.
    public init(_ name: String, _ attributes: [(String, String?)] = [], children: [TwiMLNode] = []) {
        self.name = name
        self.attributes = attributes.compactMap { pair in pair.1.map { (pair.0, $0) } }
        self.children = children
    }

    public init(_ name: String, _ attributes: [(String, String?)] = [], text: String) {
        self.init(name, attributes, children: [.text(text)])
    }

    public static func == (lhs: TwiMLElement, rhs: TwiMLElement) -> Bool {
        lhs.name == rhs.name && lhs.children == rhs.children
            && lhs.attributes.elementsEqual(rhs.attributes, by: { $0 == $1 })
    }
}

/// Content of a TwiML element: a nested element or character data.
public indirect enum TwiMLNode: Sendable, Equatable {
    case element(TwiMLElement)
    case text(String)
}
