import Foundation
import Glibc
import Logging
import XCTest
@testable import Web

/// A blocking WebSocket client over a real socket, for in-process server tests.
final class WebSocketTestClient {
    let fd: Int32
    private var collector = WebSocketFrameCollector(decoder: WebSocketFrameDecoder(requiresMasking: false, allowsRSV1: true))
    private var pending: [WebSocketFrame] = []
    private(set) var responseHead = ""
    private var leftover: [UInt8] = []

    init(port: UInt16, path: String = "/ws", extraHeaders: String = "", receiveBuffer: Int32? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { throw WebSocketError(.internalError, "connect failed: \(errno)") }
        setTimeout(seconds: 5)
        let request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\(extraHeaders)\r\n"
        sendAll(Array(request.utf8))
        var head: [UInt8] = []
        while true {
            let chunk = receive()
            guard !chunk.isEmpty else { break }
            head += chunk
            if let end = find(head, [13, 10, 13, 10]) {
                leftover = Array(head[(end + 4)...])
                head = Array(head[..<end])
                break
            }
        }
        responseHead = String(decoding: head, as: UTF8.self)
    }

    deinit { close(fd) }

    var status: Int {
        Int(responseHead.split(separator: " ").dropFirst().first ?? "") ?? 0
    }

    func setTimeout(seconds: Int) {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    func sendAll(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            offset += n
        }
    }

    func send(_ opcode: WebSocketOpcode, _ payload: [UInt8], fin: Bool = true) {
        sendAll(WebSocketTestBytes.frame(opcode, payload, fin: fin))
    }

    func sendText(_ text: String) { send(.text, Array(text.utf8)) }

    private func receive() -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        return n > 0 ? Array(buffer[0..<n]) : []
    }

    /// The next frame, or nil on EOF or timeout.
    func nextFrame() -> WebSocketFrame? {
        while pending.isEmpty {
            var bytes = leftover
            leftover = []
            if bytes.isEmpty { bytes = receive() }
            if bytes.isEmpty { return nil }
            guard let frames = try? collector.frames(from: bytes) else { return nil }
            pending += frames
        }
        return pending.removeFirst()
    }

    /// The next text message, skipping pings and pongs.
    func nextText() -> String? {
        while let frame = nextFrame() {
            if frame.opcode == .text { return String(decoding: frame.payload, as: UTF8.self) }
            if frame.opcode == .close { return nil }
        }
        return nil
    }

    /// True when the server closes the TCP connection (after any frames) within the timeout.
    func readsUntilEOF() -> Bool {
        while true {
            var buffer = [UInt8](repeating: 0, count: 65536)
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { return true }
            if n < 0 { return errno == ECONNRESET }
        }
    }

    private func find(_ haystack: [UInt8], _ needle: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where Array(haystack[i..<(i + needle.count)]) == needle { return i }
        return nil
    }
}

final class WebSocketServerTests: XCTestCase {
    private var server: HTTPServer?

    override func tearDown() {
        server?.shutdown()
        server = nil
    }

    private func start(limits: Limits = Limits(), loops: Int = 2, compression: PerMessageDeflate.Configuration? = nil,
                       shouldUpgrade: @escaping @Sendable (Request) -> WebSocketUpgradeDecision = { _ in .accept },
                       onOpen: @escaping @Sendable (WebSocket, Request) -> Void) throws -> UInt16 {
        var logger = Logger(label: "ws-test")
        logger.logLevel = .critical
        let upgrader = WebSocketUpgrader(configuration: WebSocketConfiguration(compression: compression))
        let server = HTTPServer(configuration: ServerConfiguration(listen: [.tcp(host: "127.0.0.1", port: 0)], loops: loops,
                                                                   limits: limits, accessLog: false),
                                logger: logger, handler: upgrader.handler(shouldUpgrade: shouldUpgrade, onOpen: onOpen))
        try server.start()
        self.server = server
        return try XCTUnwrap(server.boundPorts.first)
    }

    func testEchoOverARealSocket() throws {
        let port = try start { socket, _ in
            socket.onText = { socket, text in socket.send(text: "echo: " + text) }
        }
        let client = try WebSocketTestClient(port: port)
        XCTAssertEqual(client.status, 101)
        client.sendText("hi")
        XCTAssertEqual(client.nextText(), "echo: hi")
    }

    func testRefusedUpgradeAnswersTheHookStatus() throws {
        let port = try start(shouldUpgrade: { request in
            request.headers["Origin"] == "https://phone.example" ? .accept : .refuse(.forbidden, "origin not allowed")
        }, onOpen: { _, _ in })
        XCTAssertEqual(try WebSocketTestClient(port: port, extraHeaders: "Origin: https://evil.example\r\n").status, 403)
        XCTAssertEqual(try WebSocketTestClient(port: port, extraHeaders: "Origin: https://phone.example\r\n").status, 101)
    }

    func testUserInfoFromTheDecisionReachesTheSocket() throws {
        let port = try start(shouldUpgrade: { _ in .accept(userInfo: ["user": "alice"]) }) { socket, _ in
            socket.send(text: "hello \(socket.userInfo["user"] as? String ?? "?")")
        }
        XCTAssertEqual(try WebSocketTestClient(port: port).nextText(), "hello alice")
    }

    func testPublishReachesEverySubscriberOnEveryLoopOnce() throws {
        let rooms = Rooms()
        let joined = XCTestExpectation(description: "joined")
        joined.expectedFulfillmentCount = 20
        let port = try start(loops: 2) { socket, _ in
            rooms.join("number:+44", socket)
            rooms.join("user:alice", socket)
            joined.fulfill()
        }
        let clients = try (0..<20).map { _ in try WebSocketTestClient(port: port) }
        wait(for: [joined], timeout: 5)
        XCTAssertEqual(rooms.subscriberCount("number:+44"), 20)
        // Published from a thread that is not a loop; sockets in both rooms get it once.
        let sent = OtherThread.run { rooms.publish(to: ["number:+44", "user:alice"], text: "{\"type\":\"call.status\"}") }
        XCTAssertEqual(sent, 20)
        rooms.publish("number:+44", text: "second")
        for client in clients {
            XCTAssertEqual(client.nextText(), "{\"type\":\"call.status\"}")
            XCTAssertEqual(client.nextText(), "second")
        }
    }

    func testAPublishOnALoopKeepsOrderWithTheLoopsOwnSendsAndWithWhatWasHandedToItEarlier() throws {
        let rooms = Rooms()
        let joined = XCTestExpectation(description: "joined")
        joined.expectedFulfillmentCount = 2
        let port = try start(loops: 1) { socket, _ in
            rooms.join("room", socket)
            socket.onText = { socket, text in
                switch text {
                case "handed":
                    // Another thread's publish reaches this loop's queue while this callback runs;
                    // the loop's own publish after it must not overtake it.
                    _ = OtherThread.run { rooms.publish("room", text: "from another thread") }
                    rooms.publish("room", text: "from the loop, after it")
                case "inline":
                    // Nothing waits on the loop: the publish is delivered at once, so the socket's
                    // own message sent after it arrives after it.
                    rooms.publish("room", text: "published")
                    socket.send(text: "sent after publishing")
                default:
                    break
                }
            }
            joined.fulfill()
        }
        let publisher = try WebSocketTestClient(port: port)
        let subscriber = try WebSocketTestClient(port: port)
        wait(for: [joined], timeout: 5)
        publisher.sendText("handed")
        for client in [publisher, subscriber] {
            XCTAssertEqual(client.nextText(), "from another thread")
            XCTAssertEqual(client.nextText(), "from the loop, after it")
        }
        publisher.sendText("inline")
        XCTAssertEqual(publisher.nextText(), "published")
        XCTAssertEqual(publisher.nextText(), "sent after publishing")
        XCTAssertEqual(subscriber.nextText(), "published")
    }
    func testAnIdleSocketHoldsNoReaderBetweenMessages() throws {
        let box = SocketBox()
        let opened = XCTestExpectation(description: "opened")
        let port = try start(loops: 1) { socket, _ in
            box.socket = socket
            socket.onText = { socket, text in socket.send(text: "got " + text) }
            opened.fulfill()
        }
        let client = try WebSocketTestClient(port: port)
        wait(for: [opened], timeout: 5)
        let socket = try XCTUnwrap(box.socket)
        // Asked on the loop after the bytes were handled (the answer proves they were).
        func holdsReader() -> Bool? {
            let answer = SocketBox()
            let asked = XCTestExpectation(description: "asked")
            socket.loop.execute {
                answer.holdsReader = socket.holdsReader
                asked.fulfill()
            }
            wait(for: [asked], timeout: 5)
            return answer.holdsReader
        }
        client.sendText("one")
        XCTAssertEqual(client.nextText(), "got one")
        XCTAssertEqual(holdsReader(), false)
        // Half a message: the reader stays until the rest comes (a ping in between gets its pong).
        client.send(.text, Array("par".utf8), fin: false)
        client.send(.ping, Array("p".utf8))
        XCTAssertEqual(client.nextFrame()?.opcode, .pong)
        XCTAssertEqual(holdsReader(), true)
        client.send(.continuation, Array("tial".utf8))
        XCTAssertEqual(client.nextText(), "got partial")
        XCTAssertEqual(holdsReader(), false)
    }

    func testASubscriberThatFallsBehindGetsEverythingInOrderThenIsSentToDirectlyAgain() throws {
        var limits = Limits()
        limits.maxWebSocketOutboundBytes = 32 << 20
        let rooms = Rooms()
        let box = SocketBox()
        let opened = XCTestExpectation(description: "opened")
        let port = try start(limits: limits, loops: 1) { socket, _ in
            rooms.join("room", socket)
            box.socket = socket
            opened.fulfill()
        }
        let client = try WebSocketTestClient(port: port, receiveBuffer: 4096)
        wait(for: [opened], timeout: 5)
        let socket = try XCTUnwrap(box.socket)
        // Asked on the loop, after everything handed to it before.
        func sendsDirectly() -> Bool? {
            let answer = SocketBox()
            let asked = XCTestExpectation(description: "asked")
            socket.loop.execute {
                answer.holdsReader = socket.sendsDirectly
                asked.fulfill()
            }
            wait(for: [asked], timeout: 5)
            return answer.holdsReader
        }
        XCTAssertEqual(sendsDirectly(), true)
        // The client reads nothing yet: the kernel's buffers fill, a send is cut short, the rest
        // queues, and the socket's own messages wait in the same line as the room's.
        let payload = String(repeating: "x", count: 4000)
        var expected: [String] = []
        for i in 0..<2000 {
            XCTAssertEqual(rooms.publish("room", text: "\(i) \(payload)"), 1)
            expected.append("\(i) \(payload)")
            if i % 100 == 0 {
                socket.send(text: "own \(i)")
                expected.append("own \(i)")
            }
        }
        XCTAssertEqual(sendsDirectly(), false)
        for (index, message) in expected.enumerated() {
            let text = client.nextText()
            guard text == message else {
                XCTFail("message \(index): expected \(message.prefix(12)), got \(text?.prefix(12) ?? "nothing")")
                return
            }
        }
        // Caught up: the queue drained, and rooms send to it directly again.
        XCTAssertEqual(sendsDirectly(), true)
        for i in 0..<5 { rooms.publish("room", text: "after \(i)") }
        for i in 0..<5 { XCTAssertEqual(client.nextText(), "after \(i)") }
        // Closing: nothing the room sends after the close frame reaches the peer.
        socket.close()
        rooms.publish("room", text: "after close")
        XCTAssertEqual(sendsDirectly(), false)
        XCTAssertEqual(client.nextFrame()?.opcode, .close)
        // Our answer ends it: the server hangs up with nothing after its close frame.
        client.sendAll(WebSocketFrameEncoder.close(code: .normalClosure, maskingKey: WebSocketTestBytes.key))
        XCTAssertNil(client.nextFrame())
    }

    func testLeavingARoomKeepsEveryOtherSubscriberInItsPlace() throws {
        let rooms = Rooms()
        let sockets = SocketList()
        let joined = XCTestExpectation(description: "joined")
        joined.expectedFulfillmentCount = 6
        let port = try start(loops: 1) { socket, request in
            rooms.join("room", socket)
            rooms.join("other", socket)
            sockets.set(Int(request.query ?? "") ?? -1, socket)
            joined.fulfill()
        }
        let clients = try (0..<6).map { try WebSocketTestClient(port: port, path: "/ws?\($0)") }
        wait(for: [joined], timeout: 5)
        // Leaving from the middle and the front moves the room's last sockets into the freed slots.
        for index in [1, 3, 0] { rooms.leave("room", try XCTUnwrap(sockets.get(index))) }
        XCTAssertEqual(rooms.subscriberCount("room"), 3)
        XCTAssertEqual(rooms.rooms(of: try XCTUnwrap(sockets.get(1))), ["other"])
        XCTAssertEqual(Set(rooms.sockets(in: "room").map(\.id)), Set([2, 4, 5].compactMap { sockets.get($0)?.id }))
        XCTAssertEqual(rooms.publish("room", text: "a"), 3)
        XCTAssertEqual(rooms.publish(to: ["room", "other"], text: "b"), 6)
        // Socket 5 was moved into a freed slot; leaving must find it there.
        rooms.leave("room", try XCTUnwrap(sockets.get(5)))
        XCTAssertEqual(rooms.publish("room", text: "c"), 2)
        XCTAssertEqual(rooms.publish(to: ["other", "other"], text: "d"), 6)
        for (index, client) in clients.enumerated() {
            let expected = [2, 4].contains(index) ? ["a", "b", "c", "d"] : index == 5 ? ["a", "b", "d"] : ["b", "d"]
            XCTAssertEqual((0..<expected.count).map { _ in client.nextText() }, expected, "client \(index)")
        }
        XCTAssertEqual(rooms.rooms(of: try XCTUnwrap(sockets.get(2))), ["room", "other"])
    }

    private func broadcastFrames(compression: PerMessageDeflate.Configuration) throws -> [WebSocketFrame] {
        let rooms = Rooms()
        let joined = XCTestExpectation(description: "joined")
        joined.expectedFulfillmentCount = 3
        let port = try start(compression: compression) { socket, _ in
            rooms.join("room", socket)
            joined.fulfill()
        }
        let offer = "Sec-WebSocket-Extensions: permessage-deflate\r\n"
        let clients = try [WebSocketTestClient(port: port, extraHeaders: offer), WebSocketTestClient(port: port, extraHeaders: offer),
                           WebSocketTestClient(port: port)]
        wait(for: [joined], timeout: 5)
        rooms.publish("room", text: String(repeating: "{\"type\":\"call.status\"} ", count: 20))
        return clients.compactMap { $0.nextFrame() }
    }

    func testBroadcastIsCompressedOnceForSocketsWithoutContextTakeover() throws {
        let text = String(repeating: "{\"type\":\"call.status\"} ", count: 20)
        let frames = try broadcastFrames(compression: PerMessageDeflate.Configuration())
        XCTAssertEqual(frames.count, 3)
        // Both compressing sockets got the same compressed bytes; the third got the plain frame.
        XCTAssertTrue(frames[0].rsv1)
        XCTAssertEqual(frames[0], frames[1])
        XCTAssertEqual(frames[2], WebSocketFrame(opcode: .text, payload: Array(text.utf8)))
        let inflater = try XCTUnwrap(Inflater(windowBits: 15))
        var output: [UInt8] = []
        try (frames[0].payload + Inflater.messageTail).withUnsafeBytes { try inflater.inflate($0, into: &output, limit: 1 << 20) }
        XCTAssertEqual(String(decoding: output, as: UTF8.self), text)
    }

    func testBroadcastGoesPlainToSocketsThatTakeContextOver() throws {
        var compression = PerMessageDeflate.Configuration()
        compression.serverNoContextTakeover = false
        compression.clientNoContextTakeover = false
        let frames = try broadcastFrames(compression: compression)
        XCTAssertEqual(frames.count, 3)
        XCTAssertFalse(frames.contains { $0.rsv1 })
    }

    func testClosedSocketLeavesEveryRoom() throws {
        let rooms = Rooms()
        let closed = XCTestExpectation(description: "closed")
        let joined = XCTestExpectation(description: "joined")
        let port = try start { socket, _ in
            rooms.join("a", socket)
            rooms.join("b", socket)
            joined.fulfill()
            socket.onClose = { socket, code, _ in
                XCTAssertEqual(code, .normalClosure)
                // A socket that has closed cannot join again.
                XCTAssertFalse(rooms.join("c", socket))
                closed.fulfill()
            }
        }
        let client = try WebSocketTestClient(port: port)
        wait(for: [joined], timeout: 5)
        XCTAssertEqual(rooms.subscriberCount("a"), 1)
        client.sendAll(WebSocketFrameEncoder.close(code: .normalClosure, maskingKey: WebSocketTestBytes.key))
        wait(for: [closed], timeout: 5)
        XCTAssertEqual(rooms.subscriberCount("a"), 0)
        XCTAssertEqual(rooms.subscriberCount("b"), 0)
        XCTAssertEqual(rooms.subscriberCount("c"), 0)
    }

    func testSlowSubscriberIsClosedWith1008WhileOthersGetEverything() throws {
        var limits = Limits()
        limits.maxWebSocketOutboundBytes = 64 * 1024
        limits.webSocketCloseTimeoutMillis = 500
        let rooms = Rooms()
        let joined = XCTestExpectation(description: "joined")
        joined.expectedFulfillmentCount = 2
        let slowClosed = XCTestExpectation(description: "slow closed")
        let port = try start(limits: limits, loops: 1) { socket, request in
            rooms.join("room", socket)
            if request.query == "slow" {
                socket.onClose = { _, code, _ in
                    XCTAssertEqual(code, .policyViolation)
                    slowClosed.fulfill()
                }
            }
            joined.fulfill()
        }
        let slow = try WebSocketTestClient(port: port, path: "/ws?slow", receiveBuffer: 4096)
        let fast = try WebSocketTestClient(port: port, path: "/ws?fast")
        wait(for: [joined], timeout: 5)
        let payload = String(repeating: "x", count: 4000)
        let received = LockedCount()
        let reader = Thread {
            while received.value < 3000, fast.nextText() != nil { received.add() }
        }
        reader.start()
        for i in 0..<3000 {
            rooms.publish("room", text: "\(i) \(payload)")
            if i % 200 == 0 { usleep(1000) }
        }
        wait(for: [slowClosed], timeout: 10)
        let deadline = Date().addingTimeInterval(10)
        while received.value < 3000 && Date() < deadline { usleep(10_000) }
        XCTAssertEqual(received.value, 3000)
        XCTAssertEqual(rooms.subscriberCount("room"), 1)
        _ = slow
    }

    func testServerInitiatedCloseWaitsForThePeerThenTimesOut() throws {
        var limits = Limits()
        limits.webSocketCloseTimeoutMillis = 300
        let closed = XCTestExpectation(description: "closed")
        let port = try start(limits: limits) { socket, _ in
            socket.onClose = { _, code, reason in
                XCTAssertEqual(code, WebSocketCloseCode(4000))
                XCTAssertEqual(reason, "bye now")
                closed.fulfill()
            }
            socket.onText = { socket, _ in socket.close(code: WebSocketCloseCode(4000), reason: "bye now") }
        }
        let client = try WebSocketTestClient(port: port)
        client.sendText("close please")
        let frame = client.nextFrame()
        XCTAssertEqual(frame?.opcode, .close)
        XCTAssertEqual(frame?.payload.prefix(2), [0x0F, 0xA0])
        // We never answer: the server gives up after the close timeout.
        let start = Date()
        XCTAssertTrue(client.readsUntilEOF())
        XCTAssertLessThan(Date().timeIntervalSince(start), 3)
        wait(for: [closed], timeout: 5)
    }

    func testDroppedConnectionReports1006() throws {
        let closed = XCTestExpectation(description: "closed")
        let port = try start { socket, _ in
            socket.onClose = { _, code, _ in
                XCTAssertEqual(code, .abnormalClosure)
                closed.fulfill()
            }
        }
        var client: WebSocketTestClient? = try WebSocketTestClient(port: port)
        XCTAssertEqual(client?.status, 101)
        client = nil
        wait(for: [closed], timeout: 5)
    }

    func testSendFromAnotherThreadHopsToTheLoop() throws {
        let opened = XCTestExpectation(description: "opened")
        let box = SocketBox()
        let port = try start { socket, _ in
            box.socket = socket
            opened.fulfill()
        }
        let client = try WebSocketTestClient(port: port)
        wait(for: [opened], timeout: 5)
        let socket = try XCTUnwrap(box.socket)
        let threads = (0..<4).map { t in
            Thread { for i in 0..<50 { socket.send(text: "\(t):\(i)") } }
        }
        threads.forEach { $0.start() }
        var perThread = [Int](repeating: 0, count: 4)
        for _ in 0..<200 {
            guard let text = client.nextText(), let t = Int(text.split(separator: ":")[0]),
                  let i = Int(text.split(separator: ":")[1]) else { return XCTFail("missing messages") }
            // Each thread's messages arrive in the order that thread sent them.
            XCTAssertEqual(i, perThread[t])
            perThread[t] += 1
        }
    }

    func testServerShutdownSendsGoingAway() throws {
        let port = try start { _, _ in }
        let client = try WebSocketTestClient(port: port)
        XCTAssertEqual(client.status, 101)
        let stopper = Thread { [server] in server?.shutdown() }
        stopper.start()
        let frame = client.nextFrame()
        XCTAssertEqual(frame?.opcode, .close)
        XCTAssertEqual(frame?.payload.prefix(2), [0x03, 0xE9])
        client.sendAll(WebSocketFrameEncoder.close(code: .goingAway, maskingKey: WebSocketTestBytes.key))
        XCTAssertTrue(client.readsUntilEOF())
    }
}

/// Holds a socket handed over from the loop thread.
private final class SocketBox: @unchecked Sendable {
    var socket: WebSocket?
    var holdsReader: Bool?
}

/// Sockets handed over from the loop thread, by the number in their request's query.
private final class SocketList: @unchecked Sendable {
    private let lock = Mutex()
    private var sockets: [Int: WebSocket] = [:]
    func set(_ index: Int, _ socket: WebSocket) { lock.withLock { sockets[index] = socket } }
    func get(_ index: Int) -> WebSocket? { lock.withLock { sockets[index] } }
}

/// A counter shared between a test and its reader thread.
private final class LockedCount: @unchecked Sendable {
    private let lock = Mutex()
    private var count = 0
    var value: Int { lock.withLock { count } }
    func add() { lock.withLock { count += 1 } }
}

/// Runs a closure on a fresh thread (not an event loop) and waits for its result.
private enum OtherThread {
    private final class Box: @unchecked Sendable { var value: Int? }

    static func run(_ body: @escaping () -> Int) -> Int? {
        let box = Box()
        let done = XCTestExpectation(description: "thread")
        let thread = Thread {
            box.value = body()
            done.fulfill()
        }
        thread.start()
        _ = XCTWaiter.wait(for: [done], timeout: 5)
        return box.value
    }
}
