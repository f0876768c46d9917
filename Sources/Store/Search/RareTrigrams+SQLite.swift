extension RareTrigrams {
    /// Entries of a window's list read to judge it (32).
    static let probeEntries = 32

    /// The rarest windows of `term` in the FTS5 trigram index `index` (of the rowid table
    /// `content`; only the columns `columns`, FTS5's `{a b}`, when given), each judged by the first
    /// `probeEntries` rows of its list: fewer than that are counted against the table's rows; more
    /// are judged by how far apart the first and the last of them lie (a window in every row has
    /// them side by side, one in 1 row in 128 spreads them over 128 times as many rowids).
    init?(term: String, index: String, content: String, columns: String? = nil, _ db: SQLiteConnection) throws {
        let probe = try db.statement("SELECT rowid FROM \(index) WHERE \(index) MATCH ? LIMIT \(RareTrigrams.probeEntries)")
        var rows: Int?
        try self.init(term: term) { window in
            let ids = try probe.rows([.text((columns.map { $0 + " : " } ?? "") + CallSearchTerms.phrase(window))]) { $0.int(0) }
            guard ids.count == RareTrigrams.probeEntries, let first = ids.first, let last = ids.last else {
                let total = try rows ?? db.statement("SELECT coalesce(max(rowid), 0) FROM \(content)").first([]) { $0.int(0) } ?? 0
                rows = total
                return Double(ids.count) / Double(max(1, total))
            }
            return Double(ids.count - 1) / Double(max(ids.count - 1, last - first))
        }
    }
}
