import Glibc

/// `Public/login.html`, read once, with its `{{csrf}}`, `{{next}}`, `{{error}}` and
/// `{{error_hidden}}` placeholders filled in, every value HTML-escaped.
struct LoginPage: Sendable {
    let template: String

    struct MissingTemplate: Error, CustomStringConvertible {
        let path: String
        let reason: String
        var description: String { "\(path): cannot read the login page template: \(reason)" }
    }

    /// A login page is a few kilobytes.
    static let maximumTemplateBytes = 1 << 20

    init(template: String) {
        self.template = template
    }

    init(publicDir: String) throws {
        let path = (publicDir.hasSuffix("/") ? publicDir : publicDir + "/") + "login.html"
        guard let text = readTextFile(path, limit: LoginPage.maximumTemplateBytes) else {
            throw MissingTemplate(path: path, reason: String(cString: strerror(errno)))
        }
        template = text
        for placeholder in ["{{csrf}}", "{{next}}"] where !template.contains(placeholder) {
            throw MissingTemplate(path: path, reason: "it has no \(placeholder) placeholder")
        }
    }

    func render(csrf: String, next: String, error: String?) -> String {
        fill([
            "csrf": LoginPage.escape(csrf),
            "next": LoginPage.escape(next),
            "error": LoginPage.escape(error ?? ""),
            "error_hidden": error == nil ? "hidden" : "",
        ])
    }

    /// One pass over the template, so a filled-in value is never scanned for placeholders again.
    private func fill(_ values: [String: String]) -> String {
        var out = ""
        var rest = template[...]
        while let open = rest.firstRange(of: "{{") {
            out += rest[..<open.lowerBound]
            let after = rest[open.upperBound...]
            if let close = after.firstRange(of: "}}"), let value = values[String(after[..<close.lowerBound])] {
                out += value
                rest = after[close.upperBound...]
            } else {
                out += "{{"
                rest = after
            }
        }
        out += rest
        return out
    }

    /// HTML-escapes text for element content and quoted attributes. XML's five escapes are
    /// HTML's too, so this is TwiML's escaper rather than a second copy.
    static func escape(_ text: String) -> String {
        TwiML.escape(text, inAttribute: true)
    }
}
