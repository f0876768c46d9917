/// A command-line argument that breaks a rule, named in the message.
public struct PeerOptionsError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
