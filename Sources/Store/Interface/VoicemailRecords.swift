/// One voicemail: the Twilio recording it is, who left it for which number, and whether it was heard.
public struct Voicemail: Sendable, Equatable {
    public var recordingSID: String
    public var callSID: String
    /// Our number (E.164) the message was left for.
    public var number: String
    /// The caller as Twilio gave it.
    public var from: String
    public var durationSeconds: Int
    public var transcript: String?
    /// Unix seconds.
    public var receivedAt: Int
    public var heardAt: Int?

    public init(recordingSID: String, callSID: String, number: String, from: String, durationSeconds: Int,
                transcript: String? = nil, receivedAt: Int, heardAt: Int? = nil) {
        self.recordingSID = recordingSID
        self.callSID = callSID
        self.number = number
        self.from = from
        self.durationSeconds = durationSeconds
        self.transcript = transcript
        self.receivedAt = receivedAt
        self.heardAt = heardAt
    }
}

/// The voicemail box of every number.
public protocol VoicemailRecords: Sendable {
    /// Keeps a new voicemail; `then` gets false when that recording was already kept (Twilio retried).
    func save(_ voicemail: Voicemail, then: @escaping StoreCompletion<Bool>)
    /// Adds the transcript; `then` gets the voicemail, or nil when there is none for that recording.
    func setTranscript(recordingSID: String, transcript: String, then: @escaping StoreCompletion<Voicemail?>)
    /// The voicemails of `numbers`: unheard first, newest first within each, at most `limit`.
    func list(numbers: [String], limit: Int, then: @escaping StoreCompletion<[Voicemail]>)
    func find(recordingSID: String, then: @escaping StoreCompletion<Voicemail?>)
    /// `then` gets false when there is no such voicemail.
    func markHeard(recordingSID: String, at: Int, then: @escaping StoreCompletion<Bool>)
    func delete(recordingSID: String, then: @escaping StoreCompletion<Bool>)
}
