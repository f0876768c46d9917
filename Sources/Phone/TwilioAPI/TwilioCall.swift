/// A call as `GET /Calls/{Sid}.json` describes it: where it stands at Twilio now.
public struct TwilioCall: Sendable, Equatable {
    public var sid: String
    /// `queued`, `ringing`, `in-progress`, `canceled`, `completed`, `failed`, `busy`, `no-answer`.
    public var status: String
    /// Seconds; Twilio sends it as a string, null while the call goes on.
    public var duration: Int?
    /// RFC 2822 (`Fri, 24 May 2019 17:44:46 +0000`); null while the call goes on.
    public var endTime: String?

    public init(sid: String, status: String, duration: Int? = nil, endTime: String? = nil) {
        self.sid = sid
        self.status = status
        self.duration = duration
        self.endTime = endTime
    }

    /// Nil without a `sid` and a `status`.
    public init?(json: JSON) {
        guard let sid = json["sid"]?.stringValue, let status = json["status"]?.stringValue?.lowercased() else { return nil }
        self.sid = sid
        self.status = status
        duration = json["duration"]?.stringValue.flatMap { Int($0) } ?? json["duration"]?.intValue
        endTime = json["end_time"]?.stringValue
    }
}
