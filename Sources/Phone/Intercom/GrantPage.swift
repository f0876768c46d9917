/// The small HTML page `GET /grant?code=` answers with: until when the door opens by itself.
/// Everything in it is escaped, although nothing in it comes from the request.
public enum GrantPage {
    /// The page, its times shown in `zone` (`[app] timezone`).
    public static func html(grant: GrantPeriod, now: Int, zone: ZoneInfo = .utc) -> String {
        let minutes = grant.minutesLeft(at: now)
        let left = minutes == 1 ? "1 minute" : "\(minutes) minutes"
        let until = zone.text(grant.until)
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
            <p>Everyone who rings is let in until <time datetime="\(escape(zone.isoText(grant.until)))">\(escape(until))</time> (\(escape(left)) left).</p>
            </body>
            </html>

            """
    }

    /// XML's five escapes are HTML's too, so this is TwiML's escaper (as the login page uses).
    static func escape(_ text: String) -> String {
        TwiML.escape(text, inAttribute: true)
    }
}
