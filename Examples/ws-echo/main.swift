// ws-echo: a WebSocket echo server built on `Web` alone, for conformance suites (Autobahn,
// tests/integration) and the scripts/bench-ws load test.
//
//   ws-echo --listen 127.0.0.1:9001 [--loops N] [--max-message-bytes N] [--max-outbound-bytes N]
//           [--ping-interval-ms N] [--close-timeout-ms N] [--no-compression] [--context-takeover]
//           [--bench-room]
//
// Every path upgrades; every text and binary message is sent back as it came. With
// --bench-room every socket joins room "bench", and a text message "publish:<n>" from any
// socket publishes "bench:<n>" to the whole room instead of being echoed.
// With port 0 the bound port is printed as "listening on 127.0.0.1:<port>".
import Glibc
import Logging
import Web

struct Options {
    var listen = ListenAddress.tcp(host: "127.0.0.1", port: 9001)
    var loops = 0
    var limits = Limits()
    var compression: PerMessageDeflate.Configuration? = PerMessageDeflate.Configuration()
    var benchRoom = false

    init(_ arguments: [String]) throws {
        // Conformance suites send 16 MiB messages; the echo answers them in one piece.
        limits.maxWebSocketMessageBytes = 32 << 20
        limits.maxWebSocketOutboundBytes = 64 << 20
        var rest = arguments[...]
        func value(_ flag: String) throws -> String {
            guard let next = rest.popFirst() else { throw UsageError("\(flag) needs a value") }
            return next
        }
        func number(_ flag: String) throws -> Int {
            let text = try value(flag)
            guard let number = Int(text), number >= 0 else { throw UsageError("\(flag) \"\(text)\" is not a count") }
            return number
        }
        while let flag = rest.popFirst() {
            switch flag {
            case "--listen": listen = try ListenAddress(parsing: value(flag))
            case "--loops": loops = try number(flag)
            case "--max-message-bytes": limits.maxWebSocketMessageBytes = try number(flag)
            case "--max-outbound-bytes": limits.maxWebSocketOutboundBytes = try number(flag)
            case "--ping-interval-ms": limits.webSocketPingIntervalMillis = try number(flag)
            case "--close-timeout-ms": limits.webSocketCloseTimeoutMillis = try number(flag)
            case "--max-connections": limits.maxConnections = try number(flag)
            case "--no-compression": compression = nil
            case "--context-takeover":
                compression?.serverNoContextTakeover = false
                compression?.clientNoContextTakeover = false
            case "--bench-room": benchRoom = true
            default: throw UsageError("unknown argument \"\(flag)\"")
            }
        }
    }
}

struct UsageError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

let options: Options
do {
    options = try Options(Array(CommandLine.arguments.dropFirst()))
} catch {
    fputs("ws-echo: \(error)\n", stderr)
    exit(2)
}

var logger = Logger(label: "ws-echo")
logger.logLevel = .warning
let rooms = Rooms()
let benchRoom = options.benchRoom
let upgrader = WebSocketUpgrader(configuration: WebSocketConfiguration(compression: options.compression))
let handler = upgrader.handler(onOpen: { socket, _ in
    if benchRoom { rooms.join("bench", socket) }
    socket.onText = { socket, text in
        if benchRoom, text.hasPrefix("publish:") {
            rooms.publish("bench", text: "bench:" + text.dropFirst("publish:".count))
        } else {
            socket.send(text: text)
        }
    }
    socket.onBinary = { socket, bytes in socket.send(binary: bytes) }
})

// Block the stop signals before the loops start so only this thread receives them.
var stopSignals = sigset_t()
sigemptyset(&stopSignals)
sigaddset(&stopSignals, SIGINT)
sigaddset(&stopSignals, SIGTERM)
pthread_sigmask(SIG_BLOCK, &stopSignals, nil)

let server = HTTPServer(configuration: ServerConfiguration(listen: [options.listen], loops: options.loops,
                                                           limits: options.limits, accessLog: false),
                        logger: logger, handler: handler)
do {
    try server.start()
} catch {
    fputs("ws-echo: cannot listen on \(options.listen): \(error)\n", stderr)
    exit(1)
}
if case .tcp(let host, _) = options.listen, let port = server.boundPorts.first {
    print("listening on \(host):\(port)")
} else {
    print("listening on \(options.listen)")
}
fflush(stdout)

var received: Int32 = 0
sigwait(&stopSignals, &received)
server.shutdown()
