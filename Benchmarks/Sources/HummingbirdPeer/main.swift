// hummingbird-peer: the routes scripts/bench measures, written the Hummingbird 2 way.
//
//   hummingbird-peer --port 8081 --public DIR
//
// POST /voice   form in, incoming-call TwiML out (same bytes as shetphone)
// GET  /<file>  FileMiddleware over DIR
// GET  /bench   WebSocket: joins room "bench"; a text "publish:<n>" sends "bench:<n>" to all
import Hummingbird
import HummingbirdWebSocket
import Logging
import PeerCommon

let options: PeerOptions
do {
    options = try PeerOptions(Array(CommandLine.arguments.dropFirst()))
} catch {
    ProcessOutput.fail("hummingbird-peer: \(error)")
}

var logger = Logger(label: "hummingbird-peer")
logger.logLevel = .warning

let router = Router()
router.add(middleware: FileMiddleware(options.publicDir, logger: logger))
router.post("/voice") { request, context -> Response in
    let form = try await URLEncodedFormDecoder().decode(VoiceForm.self, from: request, context: context)
    let host = request.head.authority ?? "localhost"
    let xml = IncomingCallTwiML.document(to: form.to, table: .bench, baseURL: "http://" + host)
    return Response(status: .ok, headers: [.contentType: "text/xml; charset=utf-8"],
                    body: ResponseBody(byteBuffer: ByteBuffer(string: xml)))
}

// Each socket drains its own stream of room messages into its outbound writer, while the
// handler reads what the peer sends (the hummingbird-examples chat server's shape).
let room = BenchRoom<String>()
let webSocketRouter = Router(context: BasicWebSocketRequestContext.self)
webSocketRouter.ws("/bench") { inbound, outbound, _ in
    let (id, messages) = room.join()
    defer { room.leave(id) }
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            for await message in messages {
                try await outbound.write(.text(message))
            }
        }
        for try await message in inbound.messages(maxSize: 1 << 16) {
            guard case .text(let text) = message else { continue }
            if text.hasPrefix("publish:") {
                room.publish("bench:" + text.dropFirst("publish:".count))
            } else {
                try await outbound.write(.text(text))
            }
        }
        room.leave(id)
        group.cancelAll()
    }
}

let app = Application(
    router: router,
    server: .http1WebSocketUpgrade(webSocketRouter: webSocketRouter),
    configuration: ApplicationConfiguration(address: .hostname(options.host, port: options.port)),
    onServerRunning: { channel in
        ProcessOutput.line("listening on \(options.host):\(channel.localAddress?.port ?? options.port)")
    },
    logger: logger
)
try await app.runService()
