import Postgres

extension RareTrigrams {
    /// Rows of the newest ones PostgreSQL's estimate reads (128).
    static let sampleRows = 128

    /// The rarest windows of `term` in the rows `sample` selects (its column `sample`, from the
    /// newest rows through an index on id; `sampleRows` of them). A GIN index cannot be asked how
    /// long a list is without reading it, so PostgreSQL counts each of the first `estimated`
    /// windows in the sample, in one query; a window in none counts as half a row (taken to be in
    /// under 1 row in 128). A sample this small cannot show one window rare enough alone
    /// (`jointShare`), so a term of one window is asked for whole without sampling.
    init?(term: String, sample: String, _ db: PostgresConnection) throws {
        let windows = Array(RareTrigrams.windows(of: term).prefix(RareTrigrams.estimated))
        guard windows.count >= 2 else { return nil }
        let counts = windows.indices.map { "count(*) FILTER (WHERE strpos(lower(sampled.sample), $\($0 + 1)) > 0) AS w\($0)" }
        let row = try db.query("""
            SELECT count(*) AS rows, \(counts.joined(separator: ", "))
            FROM (\(sample) LIMIT \(RareTrigrams.sampleRows)) AS sampled
            """, windows.map { .text($0) }).first
        let rows = Double(try row?.int("rows") ?? 0)
        var shares: [String: Double] = [:]
        for (index, window) in windows.enumerated() {
            shares[window] = (Double(try row?.int("w\(index)") ?? 0) + 0.5) / (rows + 1)
        }
        self.init(term: term) { shares[$0] ?? 1 }
    }
}
