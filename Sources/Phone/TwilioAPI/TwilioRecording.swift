/// A recording's metadata from `GET /Recordings/{Sid}.json`.
public struct TwilioRecording: Sendable, Equatable {
    /// The media formats Twilio serves a recording in.
    public enum Format: String, Sendable, CaseIterable {
        case mp3, wav
        public var mediaType: String { self == .mp3 ? "audio/mpeg" : "audio/x-wav" }
    }

    public var sid: String
    public var callSID: String?
    /// Seconds; Twilio sends it as a string.
    public var duration: Int?
    public var status: String?

    public init?(json: JSON) {
        guard let sid = json["sid"]?.stringValue else { return nil }
        self.sid = sid
        callSID = json["call_sid"]?.stringValue
        duration = json["duration"]?.stringValue.flatMap { Int($0) } ?? json["duration"]?.intValue
        status = json["status"]?.stringValue
    }
}
