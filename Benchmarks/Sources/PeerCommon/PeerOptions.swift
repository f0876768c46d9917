/// Command line of both peers: `--port N` (0 = any, printed as `listening on 127.0.0.1:N`)
/// and `--public DIR` (the static-file root).
public struct PeerOptions: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    public var publicDir = "public"

    public init(_ arguments: [String]) throws {
        var rest = arguments[...]
        while let flag = rest.popFirst() {
            guard let value = rest.popFirst() else { throw PeerOptionsError("\(flag) needs a value") }
            switch flag {
            case "--host": host = value
            case "--port":
                guard let port = Int(value), (0...65535).contains(port) else {
                    throw PeerOptionsError("--port \"\(value)\" is not a port number")
                }
                self.port = port
            case "--public": publicDir = value
            default: throw PeerOptionsError("unknown argument \"\(flag)\"")
            }
        }
    }
}
