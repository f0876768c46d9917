/// The fields of Twilio's `POST /voice` form the incoming-call answer reads, decoded with
/// Hummingbird's `URLEncodedFormDecoder` (fields Twilio adds beyond these are ignored).
struct VoiceForm: Decodable {
    var callSid: String?
    var from: String?
    var to: String?
    var direction: String?
    var callerName: String?

    enum CodingKeys: String, CodingKey {
        case callSid = "CallSid"
        case from = "From"
        case to = "To"
        case direction = "Direction"
        case callerName = "CallerName"
    }
}
