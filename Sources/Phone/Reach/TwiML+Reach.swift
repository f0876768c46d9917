/// The TwiML nouns and verbs for ringing phones and taking voicemail.
extension TwiMLElement {
    /// `<Sip>` inside `<Dial>`: a SIP endpoint.
    public static func sip(_ uri: String, statusCallback: String? = nil, statusCallbackEvent: [CallProgressEvent] = [],
                           statusCallbackMethod: WebhookMethod? = nil) -> TwiMLElement {
        TwiMLElement("Sip", statusCallbackAttributes(statusCallback, statusCallbackEvent, statusCallbackMethod), text: uri)
    }

    /// `<Record>`: a voicemail of up to `maxLength` seconds after a beep; `#` ends it.
    public static func record(maxLength: Int, action: String, recordingStatusCallback: String,
                              transcribeCallback: String?) -> TwiMLElement {
        TwiMLElement("Record", [
            ("maxLength", String(maxLength)), ("playBeep", "true"), ("finishOnKey", "#"), ("timeout", "5"),
            ("action", action), ("method", "POST"),
            ("recordingStatusCallback", recordingStatusCallback), ("recordingStatusCallbackMethod", "POST"),
            ("recordingStatusCallbackEvent", "completed"),
            ("transcribe", transcribeCallback == nil ? nil : "true"), ("transcribeCallback", transcribeCallback),
        ])
    }
}
