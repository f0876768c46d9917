import Logging
import Web

/// The numbers, who answers them, caller IDs and presets: everything SIGHUP re-reads.
struct Telephony: Sendable {
    var plan: NumberPlan
    var presets: Presets
    var dialTimeout: Int
    /// `[app] outgoing_dial_timeout`.
    var outgoingDialTimeout = VoiceRouting.outgoingRingSeconds
    var noAnswerMessage: String
    /// `[ring]` and `[voicemail]`.
    var reach = Reach()
    /// `[voicemail]` greeting files, read here so serving them never touches the disk.
    var greetings: [String: GreetingAudio] = [:]

    static func load(config: ShetphoneConfig, logger: Logger) throws -> Telephony {
        let plan = config.plan
        let entries = (config.ini["presets"]?.entries ?? []).map { (name: $0.key, value: $0.value, line: $0.line) }
        let csv = readTextFile(config.app.presetsPath, limit: 1 << 20)
        let presets = Presets(entries: entries, iniFile: config.path, csv: csv, csvFile: config.app.presetsPath,
                              defaultCallingCode: plan.ourNumbers.first?.countryCallingCode)
        if let renamings = ClientIdentity.renamings(plan.users) {
            logger.notice("\(config.path): Twilio client identities (letters, digits, _): \(renamings)")
        }
        for problem in presets.problems {
            logger.warning("presets: \(problem) (row skipped)")
        }
        let reach = try Reach.load(config: config, plan: plan)
        return Telephony(plan: plan, presets: presets, dialTimeout: config.app.dialTimeout,
                         outgoingDialTimeout: config.app.outgoingDialTimeout,
                         noAnswerMessage: config.app.noAnswerMessage, reach: reach,
                         greetings: try GreetingAudio.load(reach.voicemail?.audioGreetings ?? [:], file: config.path))
    }
}
