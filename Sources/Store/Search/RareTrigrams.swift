/// The few trigrams of a search term that the trigram indexes should be asked for.
///
/// A term such as `Caller 12345` is made of trigrams that are in nearly every row (`cal`, `all`,
/// `lle`, `ler`) and a few that are rare (`123`, `345`). Both indexes (SQLite's FTS5 `trigram`
/// tokenizer, PostgreSQL's pg_trgm GIN) read the list of every trigram they are given, so asking
/// for the whole term reads a million entries four times over. Every row that holds the term holds
/// each of its trigrams, so the rows holding a few of them are a superset of the term's rows: the
/// index is asked for the rarest few and the exact test (LIKE, instr, strpos) decides, as it did
/// after the whole term's lookup, so the results are the same rows.
///
/// How often each window is in the rows is the backend's estimate (`RareTrigrams+SQLite`: a short
/// look at the FTS5 index's list; `RareTrigrams+Postgres`: a sample of the newest rows). The
/// rarest are taken only when together they are rare enough to leave few candidates; otherwise
/// (a term of common trigrams, or one rare-looking window alone, such as `020` of `020 79 12 34`,
/// whose other trigrams are in no pair of letters or digits) the whole term is asked for, as
/// before. An estimate that misjudges costs time, never results.
struct RareTrigrams: Sendable, Equatable {
    /// The windows to ask the index for (lowercased ASCII letters and digits, 3 each), rarest first.
    let windows: [String]

    /// Windows asked for at most (3): each more narrows the candidates and reads one more list.
    static let picked = 3
    /// Windows of a term estimated at most (4): each estimate is a query of its own, so a term
    /// whose first four windows are all common is asked for whole.
    static let estimated = 4
    /// Windows of a term listed at most (12).
    static let considered = 12
    /// The share of rows the picked windows may be in together, by their estimates multiplied
    /// (1 in 16,384: two windows each in at most 1 row in 128); above it the whole term is asked.
    static let jointShare = 1.0 / 16_384

    /// The rarest windows of `term` by `share` (the estimated share of rows holding a window,
    /// 0...1), or nil when the whole term should be asked for. Windows are estimated in the order
    /// `windows(of:)` gives, and no more once the rarest so far are rare enough together (or one is
    /// in no row at all: then no row holds the term, and that window alone says so).
    init?(term: String, share: (String) throws -> Double) rethrows {
        var estimates: [(window: String, share: Double)] = []
        for window in RareTrigrams.windows(of: term).prefix(RareTrigrams.estimated) {
            estimates.append((window, try share(window)))
            if estimates.last?.share == 0 {
                windows = [window]
                return
            }
            // Rarest first; among equals the term's order, so one term always asks the same.
            let rarest = estimates.enumerated().sorted { ($0.element.share, $0.offset) < ($1.element.share, $1.offset) }
                .prefix(RareTrigrams.picked).map(\.element)
            if rarest.reduce(1.0, { $0 * $1.share }) <= RareTrigrams.jointShare {
                // A window in most rows narrows nothing: its list would only be read.
                windows = rarest.filter { $0.share < 0.5 }.map(\.window)
                return
            }
        }
        return nil
    }

    /// Distinct runs of three ASCII letters or digits in `term`, lowercased (at most `considered`):
    /// first those side by side from each word's start (`del`, `ive`, `ry`'s end `ery`), so every
    /// part of a long term is looked at, then the ones between. Only these: pg_trgm makes its
    /// trigrams of words of letters and digits, and `%abc%` gives it exactly the trigram `abc`;
    /// SQLite's trigrams of them are the same.
    static func windows(of term: String) -> [String] {
        let bytes = term.utf8.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }
        var covering: [Int] = []
        var between: [Int] = []
        var index = 0
        while index < bytes.count {
            guard isLetterOrDigit(bytes[index]) else { index += 1; continue }
            var end = index
            while end < bytes.count && isLetterOrDigit(bytes[end]) { end += 1 }
            if end - index >= 3 {
                let side = Array(stride(from: index, through: end - 3, by: 3))
                covering += side + (side.last == end - 3 ? [] : [end - 3])
                between += (index...(end - 3)).filter { !covering.contains($0) }
            }
            index = end
        }
        var found: [String] = []
        for start in covering + between where found.count < considered {
            let window = String(decoding: bytes[start..<start + 3], as: UTF8.self)
            if !found.contains(window) { found.append(window) }
        }
        return found
    }

    static func isLetterOrDigit(_ byte: UInt8) -> Bool {
        (byte >= 48 && byte <= 57) || (byte >= 97 && byte <= 122)
    }
}
