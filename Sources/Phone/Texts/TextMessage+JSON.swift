import Store

extension TextMessage {
    /// The dialer's view of a message: media as server URLs (`api/messages/<sid>/media/<n>`),
    /// never Twilio's, and the error code in words.
    var json: JSON {
        JSON.object([
            ("id", .int(id)),
            ("sid", .string(sid)),
            ("threadId", .int(threadID)),
            ("number", .string(number)),
            ("party", .string(party)),
            ("direction", .string(direction.rawValue)),
            ("body", .string(body)),
            ("media", .array(media.indices.map { index in
                JSON.object([("contentType", .string(media[index].contentType)),
                             ("url", .string("api/messages/\(sid)/media/\(index)"))])
            })),
            ("status", .string(status)),
            ("errorCode", .int(orNull: errorCode)),
            ("error", .string(orNull: errorCode.map(TwilioMessageError.describe))),
            ("sentBy", .string(orNull: sentBy)),
            ("createdAt", .int(createdAt)),
        ])
    }
}

extension TextThread {
    var json: JSON {
        JSON.object([
            ("id", .int(id)),
            ("number", .string(number)),
            ("party", .string(party)),
            ("unread", .int(unread)),
            ("last", last.json),
        ])
    }
}
