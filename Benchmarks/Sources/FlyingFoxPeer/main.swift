// flyingfox-peer: the routes scripts/bench measures, written the FlyingFox way.
//
//   flyingfox-peer --port 8082 --public DIR
//
// POST /voice   form in, incoming-call TwiML out (same bytes as shetphone)
// GET  /bench   WebSocket: joins room "bench"; a text "publish:<n>" sends "bench:<n>" to all
// GET  /<file>  DirectoryHTTPHandler over DIR
import FlyingFox
import FlyingSocks
import Foundation
import PeerCommon

let options: PeerOptions
do {
    options = try PeerOptions(Array(CommandLine.arguments.dropFirst()))
} catch {
    ProcessOutput.fail("flyingfox-peer: \(error)")
}

let server = HTTPServer(address: try .inet(ip4: options.host, port: UInt16(options.port)), logger: .disabled)

await server.appendRoute("POST /voice") { request in
    let form = FormFields.decode(try await request.bodyData)
    let host = request.headers[.host] ?? "localhost"
    let xml = IncomingCallTwiML.document(to: form["To"], table: .bench, baseURL: "http://" + host)
    return HTTPResponse(statusCode: .ok, headers: [.contentType: "text/xml; charset=utf-8"], body: Data(xml.utf8))
}
await server.appendRoute("GET /bench", to: .webSocket(BenchRoomHandler(room: BenchRoom<WSMessage>())))
await server.appendRoute("GET *", to: DirectoryHTTPHandler(root: URL(fileURLWithPath: options.publicDir), serverPath: "/"))

Task {
    try await server.waitUntilListening()
    let port = await server.listeningAddress.flatMap { address -> UInt16? in
        if case .ip4(_, let port) = address { return port }
        return nil
    }
    ProcessOutput.line("listening on \(options.host):\(port ?? UInt16(options.port))")
}
try await server.run()
