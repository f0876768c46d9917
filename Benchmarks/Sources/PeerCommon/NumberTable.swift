/// The users whose browsers ring for each of our numbers: the `[numbers]` table of
/// scripts/bench's shetphone.ini, held in memory as a peer server would.
public struct NumberTable: Sendable {
    private let usersByNumber: [String: [String]]

    public init(_ usersByNumber: [String: [String]]) {
        self.usersByNumber = usersByNumber
    }

    /// The table every peer serves: `+442079460174 = alice bob carol`.
    public static let bench = NumberTable(["+442079460174": ["alice", "bob", "carol"]])

    /// Users answering `number` (E.164), empty when it is not ours.
    public func users(answering number: String) -> [String] {
        usersByNumber[number] ?? []
    }
}
