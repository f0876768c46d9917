import Web

extension PhoneApp {
    /// `GET /events`: the dialer's live events as Server-Sent Events, for when a proxy does not
    /// pass the WebSocket upgrade. The same rooms as `GET /ws`, the same JSON, a heartbeat
    /// comment every `ws_ping_interval`, and at most `ws_max_outbound_bytes` queued.
    /// `X-Accel-Buffering: no` tells NGINX to pass each event on at once.
    func eventStreamHandler() -> Handler {
        { [self] request, responder in
            guard let session = logins.requireSession(request) else {
                responder.send(.json("{\"error\":\"login required\"}", status: .unauthorized))
                return
            }
            var joined = [RoomName.user(session.user), session.room, RoomName.everyone]
            joined += live.telephony.plan.numbers(of: session.user).map { RoomName.number($0.e164) }
            let hello = PhoneEvent("hello", JSON.object([
                ("user", .string(session.user)), ("rooms", .array(joined.map { .string($0) })), ("transport", .string("sse")),
            ]), rooms: [])
            let limits = config.server.server.limits
            let streams = events.streams
            var response = Response(status: .ok)
            response.headers.set("Content-Type", "text/event-stream; charset=utf-8")
            response.headers.set("Cache-Control", "no-store")
            response.headers.set("X-Accel-Buffering", "no")
            response.upgrade = ConnectionUpgrade { connection in
                let stream = EventStream(user: session.user, loop: connection.loop, registry: streams,
                                         maxQueuedBytes: limits.maxWebSocketOutboundBytes,
                                         heartbeatMillis: limits.webSocketPingIntervalMillis)
                stream.attach(connection, first: EventStream.frame(hello.json))
                for room in joined { streams.join(room, stream) }
                return stream
            }
            responder.send(response)
        }
    }

    /// After a reload, open event streams follow the new `[numbers]` as the WebSockets do.
    func moveStreamsToTheirNumbers() {
        let plan = live.telephony.plan
        let streams = events.streams
        for stream in streams.streams(in: RoomName.everyone) {
            let wanted = Set(plan.numbers(of: stream.user).map { RoomName.number($0.e164) })
            let current = Set(streams.rooms(of: stream).filter(RoomName.isNumber))
            for room in current.subtracting(wanted) { streams.leave(room, stream) }
            for room in wanted.subtracting(current) { streams.join(room, stream) }
        }
    }
}
