/// The small HTML page `GET /grant?code=` answers with: until when the door opens by itself.
/// Everything in it is escaped, although nothing in it comes from the request.
public enum GrantPage {
    public static func html(grant: GrantPeriod, now: Int) -> String {
        let minutes = grant.minutesLeft(at: now)
        let left = minutes == 1 ? "1 minute" : "\(minutes) minutes"
        let until = GrantPeriod.utcText(grant.until)
        return """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="robots" content="noindex">
            <title>Door open</title>
            </head>
            <body>
            <h1>The door is open</h1>
            <p>Everyone who rings is let in until <time datetime="\(escape(isoText(grant.until)))">\(escape(until))</time> (\(escape(left)) left).</p>
            </body>
            </html>

            """
    }

    /// `2026-05-01T18:30:00Z` for the `datetime` attribute.
    static func isoText(_ seconds: Int) -> String {
        let text = GrantPeriod.utcText(seconds)  // "2026-05-01 18:30 UTC"
        let parts = text.split(separator: " ")
        guard parts.count == 3 else { return text }
        return "\(parts[0])T\(parts[1]):00Z"
    }

    /// XML's five escapes are HTML's too, so this is TwiML's escaper (as the login page uses).
    static func escape(_ text: String) -> String {
        TwiML.escape(text, inAttribute: true)
    }
}
