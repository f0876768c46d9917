import Store

extension CallRecord {
    /// One entry of `GET /api/calls` and the data of the `call.updated` event (docs/CONTRACT.md).
    var json: JSON {
        JSON.object([
            ("id", .int(orNull: id)),
            ("callSid", .string(sid)),
            ("direction", .string(orNull: direction?.rawValue)),
            ("number", .string(orNull: ourNumber)),
            ("other", .string(orNull: otherParty)),
            ("callerName", .string(orNull: callerName)),
            ("user", .string(orNull: user)),
            ("usersRung", .array(usersRung.map(JSON.string))),
            ("answeredBy", .string(orNull: answeredBy)),
            ("answeredNumber", .string(orNull: answeredNumber)),
            ("door", .string(orNull: door)),
            ("state", .string(state)),
            ("outcome", .string(orNull: outcome?.rawValue)),
            ("missed", .bool(isMissed)),
            ("startedAt", .int(startedAt)),
            ("answeredAt", .int(orNull: answeredAt)),
            ("endedAt", .int(orNull: endedAt)),
            ("duration", .int(orNull: duration)),
        ])
    }

    /// Who hears about this call: the number's room, except for outgoing calls, which only their
    /// user sees (the history shows nobody else's outgoing calls).
    var rooms: [String] {
        if direction == .outgoing { return user.map { [RoomName.user($0)] } ?? [] }
        return ourNumber.map { [RoomName.number($0)] } ?? []
    }
}
