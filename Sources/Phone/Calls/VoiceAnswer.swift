/// TwiML for Twilio, events for the browsers, and what was decided (for the log).
public struct VoiceAnswer: Sendable {
    public var twiml: TwiML
    public var events: [PhoneEvent]
    public var outcome: VoiceOutcome
}
