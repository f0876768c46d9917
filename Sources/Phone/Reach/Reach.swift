/// Everything about reaching people beyond their open browsers that SIGHUP re-reads:
/// `[ring]` (extra phones, do-not-disturb) and `[voicemail]` (nil: no voicemail).
public struct Reach: Sendable, Equatable {
    public var ring = RingSettings()
    public var voicemail: VoicemailSettings?

    public init(ring: RingSettings = RingSettings(), voicemail: VoicemailSettings? = nil) {
        self.ring = ring
        self.voicemail = voicemail
    }

    static func load(config: ShetphoneConfig, plan: NumberPlan) throws -> Reach {
        let ring = try RingSettings(section: config.ini["ring"], file: config.path, knownUsers: plan.users)
        let voicemail = try VoicemailSettings(section: config.ini["voicemail"], file: config.path, directory: config.directory,
                                              ourNumbers: plan.ourNumbers.map(\.e164))
        return Reach(ring: ring, voicemail: voicemail.enabled ? voicemail : nil)
    }
}
