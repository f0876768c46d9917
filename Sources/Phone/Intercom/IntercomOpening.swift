/// One time the server opened the door by itself: when, why (`grant` or `code`), and the
/// number the intercom called from.
public struct IntercomOpening: Sendable, Equatable {
    /// Why the door opened.
    public enum Method: String, Sendable, CaseIterable {
        /// A grant period was running.
        case grant
        /// The visitor keyed in a door code.
        case code
    }

    /// Unix seconds.
    public var at: Int
    public var how: Method
    public var from: String

    /// Twilio's `From` is short; anything longer is cut so the state file stays small.
    static let maximumFromLength = 64

    public init(at: Int, how: Method, from: String) {
        self.at = at
        self.how = how
        self.from = String(from.prefix(IntercomOpening.maximumFromLength))
    }

    /// `{"at":...,"how":"grant","from":"+44..."}`: the `intercom.opened` event and the list entry.
    public var json: JSON {
        ["at": .int(at), "how": .string(how.rawValue), "from": .string(from)]
    }

    /// Reads an entry of the state file; nil when it is not one.
    init?(json: JSON) {
        guard let at = json["at"]?.intValue, let how = json["how"]?.stringValue.flatMap(Method.init(rawValue:)),
              let from = json["from"]?.stringValue else { return nil }
        self.init(at: at, how: how, from: from)
    }
}
