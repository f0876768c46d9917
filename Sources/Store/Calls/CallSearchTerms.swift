/// What `GET /api/calls?q=` searches for, and how SQLite's indexes can find its candidates:
/// the trigram index `calls_search` needs at least 3 characters, so a shorter term (or none
/// at all) leaves the search to the scan in `started_at` order, which stops at the page's end.
struct CallSearchTerms {
    /// The query's digits (`442071` from `+44 (20) 71`), or nil when it has none.
    let digits: String?
    /// The query's text as typed, or nil when empty.
    let text: String?

    /// Characters the trigram tokenizer needs to use its index.
    static let trigram = 3

    init(_ query: CallQuery) {
        digits = query.digits.map(CallTable.digits(of:)).flatMap { $0.isEmpty ? nil : $0 }
        text = query.text.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The text as the search compares it: `CallTable.likeEscaped` matches on the first 100
    /// characters only, so the index must be asked about the same ones.
    var searchedText: String? { text.map { String($0.prefix(100)) } }

    /// Queries whose `match_id` columns together hold every row that may match (a superset: the
    /// trigram index folds case beyond ASCII), or nil when some term is too short for the index or
    /// there are no terms. With `rare`, the text's rows are asked for by those few trigrams
    /// (`RareTrigrams`) instead of the whole text: more candidates, far fewer index entries read.
    func indexedCandidates(alsoNumbers: [String], rare: RareTrigrams? = nil) -> [(sql: String, values: [SQLValue])]? {
        guard digits != nil || text != nil else { return nil }
        var parts: [(sql: String, values: [SQLValue])] = []
        if let digits {
            guard digits.unicodeScalars.count >= Self.trigram else { return nil }
            parts.append(("SELECT rowid AS match_id FROM calls_search WHERE calls_search MATCH ?",
                          [.text(Self.coveringTrigrams(digits, column: "other_digits"))]))
        }
        if let searched = searchedText {
            guard searched.unicodeScalars.count >= Self.trigram else { return nil }
            let asked = rare.map { Self.allOf($0.windows) } ?? Self.phrase(searched)
            parts.append(("SELECT rowid AS match_id FROM calls_search WHERE calls_search MATCH ?",
                          [.text("{caller_name other_party} : " + asked)]))
        }
        if !alsoNumbers.isEmpty {
            parts.append(("SELECT id AS match_id FROM calls WHERE other_party IN (\(CallTable.placeholders(alsoNumbers.count)))",
                          alsoNumbers.map { .text($0) }))
        }
        return parts
    }

    /// Every row holding `digits` holds each of its trigrams: `12345678` -> `123`, `456`, `678`,
    /// side by side and the last one ending the text, ANDed. A superset of the phrase's rows, found
    /// with fewer of the index's lists read (a phrase reads every overlapping trigram's, with positions).
    static func coveringTrigrams(_ digits: String, column: String) -> String {
        let characters = Array(digits)
        var starts = Array(stride(from: 0, through: characters.count - trigram, by: trigram))
        if let last = starts.last, last + trigram < characters.count { starts.append(characters.count - trigram) }
        return starts.map { column + " : " + phrase(String(characters[$0..<$0 + trigram])) }.joined(separator: " AND ")
    }

    /// Rows holding every one of `trigrams`, in FTS5's words: `("123" AND "345")`.
    static func allOf(_ trigrams: [String]) -> String {
        "(" + trigrams.map(phrase).joined(separator: " AND ") + ")"
    }

    /// `text` as one FTS5 phrase: in double quotes, each `"` doubled.
    static func phrase(_ text: String) -> String {
        var out = "\""
        for character in text {
            if character == "\"" { out.append("\"") }
            out.append(character)
        }
        return out + "\""
    }
}
