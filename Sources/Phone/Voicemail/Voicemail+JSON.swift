import Store

extension Voicemail {
    /// `{"recordingSid","callSid","number","from","duration","transcript","receivedAt","heard"}`
    /// for the dialer and the `voicemail.new` event. Twilio's URL is never in it.
    var json: JSON {
        JSON.object([
            ("recordingSid", .string(recordingSID)), ("callSid", .string(callSID)), ("number", .string(number)),
            ("from", .string(from)), ("duration", .int(durationSeconds)), ("transcript", .string(orNull: transcript)),
            ("receivedAt", .int(receivedAt)), ("heard", .bool(heardAt != nil)),
        ])
    }
}
