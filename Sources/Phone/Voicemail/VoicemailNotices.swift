import Store

/// What a new voicemail or a missed call tells people away from the tab: the email text and the hook.
struct VoicemailNotices {
    let email: EmailSettings
    let smtp: SMTPSettings?
    let hooks: NoticeCourier

    /// The email to every user of the number who has an address (none without `[smtp]`).
    func email(for voicemail: Voicemail, users: [String], now: Int) -> EmailMessage? {
        guard let smtp else { return nil }
        let to = users.compactMap { email.addresses[$0] }
        guard !to.isEmpty else { return nil }
        let minutes = voicemail.durationSeconds / 60, seconds = voicemail.durationSeconds % 60
        let length = minutes > 0 ? "\(minutes) min \(seconds) s" : "\(seconds) s"
        var body = "New voicemail for \(voicemail.number) from \(voicemail.from), \(length).\n\n"
        body += voicemail.transcript.map { "Transcript:\n\($0)\n" } ?? "No transcript.\n"
        body += "\nListen in the Shetphone dialer.\n"
        return EmailMessage(from: smtp.fromHeader, to: to, subject: "Voicemail from \(voicemail.from) (\(length))",
                            body: body, date: now, messageID: "voicemail-\(voicemail.recordingSID)@shetphone")
    }

    /// The email about a missed call, to the users of the number who opted in.
    func missedCallEmail(number: String, from: String, callSID: String, users: [String], now: Int) -> EmailMessage? {
        guard let smtp else { return nil }
        let to = users.filter { email.missedCalls.contains($0) }.compactMap { email.addresses[$0] }
        guard !to.isEmpty else { return nil }
        return EmailMessage(from: smtp.fromHeader, to: to, subject: "Missed call from \(from)",
                            body: "Missed call for \(number) from \(from).\n", date: now,
                            messageID: "missed-\(callSID)@shetphone")
    }
}
