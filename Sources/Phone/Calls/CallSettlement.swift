import Store

/// What the call settler does with a call the history still shows open long after it should
/// have ended, once Twilio's API answered about it (pure, so every case is a unit test).
enum CallSettlement: Equatable {
    /// Twilio says the call ended: record `status` (and `duration`, seconds) as its status
    /// callback would have, at `endedAt` (unix ms).
    case settle(status: String, duration: Int?, endedAt: Int)
    /// Twilio says the call goes on: ask again later.
    case stillLive
    /// Twilio's API could not answer: ask again later.
    case retry

    /// Statuses Twilio gives a call that goes on.
    static let liveStatuses: Set<String> = ["queued", "initiated", "ringing", "in-progress", "answered"]

    /// `answer`: Twilio's about `record`'s call. `now`: unix ms. A call Twilio does not know
    /// (404, or a SID no Twilio call has) is closed as `completed` when the history last heard
    /// of it: nothing better is known, and whatever its legs said still decides its outcome.
    static func decide(_ record: CallRecord, answer: Result<TwilioCall, TwilioAPIError>, now: Int) -> CallSettlement {
        switch answer {
        case .success(let call) where liveStatuses.contains(call.status):
            return .stillLive
        case .success(let call) where CallLeg.finalStatuses.contains(call.status):
            let ended = call.endTime.flatMap(TwilioTimestamp.millis) ?? now
            return .settle(status: call.status, duration: call.duration.map { max(0, $0) }, endedAt: ended)
        case .success:
            // A status this server does not know: not a reason to end the call.
            return .retry
        case .failure(.api(status: 404, _, _, _)), .failure(.invalidSID):
            return .settle(status: "completed", duration: nil, endedAt: record.updatedAt)
        case .failure:
            return .retry
        }
    }

    /// The `/status` callback Twilio would have sent for the call's first leg: its form, and the
    /// query `VoiceRouting` puts in the callback's URL (our number, the user of an outgoing call).
    static func statusCallback(_ record: CallRecord, status: String, duration: Int?)
        -> (form: [(String, String)], query: [(String, String)]) {
        var form = [("CallSid", record.sid), ("CallStatus", status)]
        if let duration { form.append(("CallDuration", String(duration))) }
        var query: [(String, String)] = []
        if let number = record.ourNumber { query.append(("number", number)) }
        if record.direction == .outgoing, let user = record.user { query.append(("user", user)) }
        return (form, query)
    }

    /// How long to wait before asking about a call again after `asks` answers that did not
    /// settle it: `firstMillis`, doubling each time, at most an hour.
    static func retryDelayMillis(asks: Int, firstMillis: UInt64) -> UInt64 {
        min(3_600_000, firstMillis << UInt64(min(max(asks - 1, 0), 12)))
    }
}
