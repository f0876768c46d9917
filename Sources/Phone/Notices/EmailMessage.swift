import Web

/// A plain-text email as RFC 5322 + MIME text: UTF-8 body in base64 (any language, any line
/// length), a subject encoded per RFC 2047 when it is not ASCII, CRLF line ends.
public struct EmailMessage: Sendable, Equatable {
    public var from: String
    public var to: [String]
    public var subject: String
    public var body: String
    public var date: Int
    public var messageID: String

    public init(from: String, to: [String], subject: String, body: String, date: Int, messageID: String) {
        self.from = from
        self.to = to
        self.subject = subject
        self.body = body
        self.date = date
        self.messageID = messageID
    }

    /// The bytes handed to the SMTP server after `DATA`.
    public var rendered: [UInt8] {
        var lines = [
            "From: \(EmailMessage.headerValue(from))",
            "To: \(to.map(EmailMessage.headerValue).joined(separator: ", "))",
            "Subject: \(EmailMessage.encodedWord(EmailMessage.headerValue(subject)))",
            "Date: \(HTTPDate.format(epochSeconds: date))",
            "Message-ID: <\(EmailMessage.headerValue(messageID))>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: base64",
            "Auto-Submitted: auto-generated",
            "",
        ]
        let encoded = Array(Base64.encode(Array(body.utf8)).utf8)
        var start = 0
        while start < encoded.count {
            let end = min(start + 76, encoded.count)
            lines.append(String(decoding: encoded[start..<end], as: UTF8.self))
            start = end
        }
        return Array((lines.joined(separator: "\r\n") + "\r\n").utf8)
    }

    /// A header value on one line: a caller's name from a webhook can never start a new header.
    static func headerValue(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : $0 }))
    }

    /// `=?UTF-8?B?...?=` when the text is not plain ASCII (RFC 2047).
    static func encodedWord(_ text: String) -> String {
        guard !text.utf8.allSatisfy({ $0 < 0x80 }) else { return text }
        return "=?UTF-8?B?\(Base64.encode(Array(text.utf8)))?="
    }
}
