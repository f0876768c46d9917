/// Which browsers ring for each Twilio number (`[numbers]`), which numbers each user
/// calls out from (`[clients]`), and which countries may be dialled (`allowed_countries`).
///
/// Without `[clients]` the outgoing map is `[numbers]` turned around, as in the original
/// Shetphone. Without `allowed_countries`, calls may go only to the countries of our own
/// numbers: a stolen session should not be able to ring premium lines abroad.
public struct NumberPlan: Sendable {
    /// One of our Twilio numbers and the users whose browsers ring for it, in config order.
    public struct Line: Sendable, Equatable {
        public var number: PhoneNumber
        public var users: [String]
    }

    /// One user and their caller IDs, first one preferred.
    public struct CallerIDs: Sendable, Equatable {
        public var user: String
        public var numbers: [PhoneNumber]
    }

    /// Twilio's limit of `<Client>` nouns in one `<Dial>`: more users on one number cannot all ring.
    public static let maximumUsersPerNumber = 10

    public private(set) var lines: [Line]
    public private(set) var callerIDs: [CallerIDs]
    /// ISO 3166 alpha-2 regions outgoing calls may reach.
    public private(set) var allowedRegions: Set<String>
    /// `allow_premium`: E.164 prefixes (`+4487`) of `PremiumRanges` that may be dialled after all.
    public var allowedPremiumPrefixes: [String] = []

    /// Why an outgoing call may not ring a number.
    public enum CallRefusal: Sendable, Equatable {
        /// Not in `allowed_countries` (or in no country at all).
        case country(String?)
        /// A premium, shared-cost, personal or carrier range that `allow_premium` does not list.
        case costly(PremiumRanges.Kind)
    }

    public init(lines: [Line], callerIDs: [CallerIDs]? = nil, allowedRegions: Set<String>? = nil) {
        self.lines = lines
        self.callerIDs = callerIDs ?? NumberPlan.turnedAround(lines)
        self.allowedRegions = []
        self.allowedRegions = allowedRegions ?? Set(ourNumbers.compactMap(\.region))
    }

    /// Reads `[numbers]` and `[clients]` from the config, and the `[app] allowed_countries`
    /// list the app settings hold. Errors name the file, the line and the entry.
    public init(ini: IniFile, allowedCountries: [String] = [], allowedCountriesLine: Int = 0) throws {
        let file = ini.path
        var lines: [Line] = []
        var lineOfNumber: [PhoneNumber: Int] = [:]
        for entry in ini["numbers"]?.entries ?? [] {
            let fail = { (message: String) in ConfigError(file, entry.line, "[numbers] \(entry.key): \(message)") }
            let number: PhoneNumber
            do { number = try PhoneNumber(parsing: entry.key) } catch { throw fail("\(error)") }
            if let first = lineOfNumber[number] {
                throw fail("\(number) is already listed on line \(first)")
            }
            lineOfNumber[number] = entry.line
            let users = try NumberPlan.userList(entry.value, error: fail)
            guard !users.isEmpty else { throw fail("name at least one user whose browser rings for this number") }
            guard users.count <= NumberPlan.maximumUsersPerNumber else {
                throw fail("\(users.count) users: Twilio rings at most \(NumberPlan.maximumUsersPerNumber) browsers (<Client> in one <Dial>) for a call")
            }
            lines.append(Line(number: number, users: users))
        }

        var callerIDs: [CallerIDs]?
        if let section = ini["clients"] {
            var list: [CallerIDs] = []
            for entry in section.entries {
                let fail = { (message: String) in ConfigError(file, entry.line, "[clients] \(entry.key): \(message)") }
                if let problem = ClientIdentity.problem(withUserName: entry.key) { throw fail(problem) }
                if list.contains(where: { $0.user == entry.key }) { throw fail("user is listed twice") }
                var numbers: [PhoneNumber] = []
                for word in NumberPlan.words(entry.value) {
                    let number: PhoneNumber
                    do { number = try PhoneNumber(parsing: word) } catch { throw fail("\(error)") }
                    if numbers.contains(number) { throw fail("\(number) is listed twice") }
                    numbers.append(number)
                }
                guard !numbers.isEmpty else { throw fail("list at least one caller ID number (+E.164, comma-separated)") }
                list.append(CallerIDs(user: entry.key, numbers: numbers))
            }
            callerIDs = list
        }

        self.init(lines: lines, callerIDs: callerIDs)
        var userOfIdentity: [String: String] = [:]
        for user in users {
            let identity = ClientIdentity.of(user)
            if let other = userOfIdentity[identity] {
                throw ConfigError(file, 0, "users \(JSON.quoted(other)) and \(JSON.quoted(user)) would both be Twilio client \(identity); rename one")
            }
            userOfIdentity[identity] = user
        }
        if !allowedCountries.isEmpty {
            var regions = Set<String>()
            for code in allowedCountries {
                let region = code.uppercased()
                guard CallingCode.codeForRegion[region] != nil else {
                    throw ConfigError(file, allowedCountriesLine, "[app] allowed_countries: \(JSON.quoted(code)) is not a country with a telephone calling code")
                }
                regions.insert(region)
            }
            allowedRegions = regions
        }
    }

    // MARK: questions the call paths ask

    /// Every number the plan knows as ours: incoming lines first, then caller IDs.
    public var ourNumbers: [PhoneNumber] {
        var seen = Set<PhoneNumber>()
        var result: [PhoneNumber] = []
        for number in lines.map(\.number) + callerIDs.flatMap(\.numbers) where seen.insert(number).inserted {
            result.append(number)
        }
        return result
    }

    public func isOurs(_ number: PhoneNumber) -> Bool {
        lines.contains { $0.number == number } || callerIDs.contains { $0.numbers.contains(number) }
    }

    /// Users whose browsers ring when `number` is called.
    public func users(answering number: PhoneNumber) -> [String] {
        lines.first { $0.number == number }?.users ?? []
    }

    /// The caller IDs `user` may call out from, preferred first.
    public func callerIDs(of user: String) -> [PhoneNumber] {
        callerIDs.first { $0.user == user }?.numbers ?? []
    }

    /// Every user named anywhere in the plan.
    public var users: [String] {
        var seen = Set<String>()
        return (lines.flatMap(\.users) + callerIDs.map(\.user)).filter { seen.insert($0).inserted }
    }

    public func isKnown(user: String) -> Bool { users.contains(user) }

    /// The user of a `client:<identity>` address (`From`/`To` in a webhook), if the plan knows them.
    public func user(atClientAddress address: String?) -> String? {
        guard let address, address.hasPrefix("client:") else { return nil }
        let identity = String(address.dropFirst("client:".count))
        if let name = ClientIdentity.decode(identity) { return isKnown(user: name) ? name : nil }
        guard ClientIdentity.isValid(identity) else { return nil }
        return users.first { ClientIdentity.of($0) == identity }
    }

    /// The numbers `user` takes part in, to call from or to answer: what the dialer shows,
    /// and whose `number:` rooms that user's WebSockets join.
    public func numbers(of user: String) -> [PhoneNumber] {
        var seen = Set<PhoneNumber>()
        let all = callerIDs(of: user) + lines.filter { $0.users.contains(user) }.map(\.number)
        return all.filter { seen.insert($0).inserted }
    }

    /// True when outgoing calls may ring `destination` (toll-fraud guard).
    public func allowsCall(to destination: PhoneNumber) -> Bool {
        refusal(forCallTo: destination) == nil
    }

    /// Why outgoing calls may not ring `destination`, or nil when they may.
    public func refusal(forCallTo destination: PhoneNumber) -> CallRefusal? {
        guard let region = destination.region, allowedRegions.contains(region) else { return .country(destination.region) }
        if let kind = PremiumRanges.kind(of: destination),
           !allowedPremiumPrefixes.contains(where: { destination.e164.hasPrefix($0) }) {
            return .costly(kind)
        }
        return nil
    }

    // MARK: reading values

    /// Numbers separated by commas or semicolons (numbers themselves may contain spaces);
    /// a piece holding several `+` numbers is split before each `+`.
    static func words(_ value: String) -> [String] {
        var result: [String] = []
        for piece in value.split(whereSeparator: { $0 == "," || $0 == ";" }) {
            var current = ""
            for char in piece {
                if char == "+", !current.trimmingASCIISpacesForIni().isEmpty {
                    result.append(current.trimmingASCIISpacesForIni())
                    current = ""
                }
                current.append(char)
            }
            result.append(current.trimmingASCIISpacesForIni())
        }
        return result.filter { !$0.isEmpty }
    }

    private static func userList(_ value: String, error fail: (String) -> ConfigError) throws -> [String] {
        var users: [String] = []
        for user in value.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" }).map(String.init) {
            if let problem = ClientIdentity.problem(withUserName: user) { throw fail("user \(JSON.quoted(user)): \(problem)") }
            if users.contains(user) { throw fail("user \(user) is listed twice") }
            users.append(user)
        }
        return users
    }

    /// `[numbers]` turned around: each user calls out from the numbers that ring them, in file order.
    private static func turnedAround(_ lines: [Line]) -> [CallerIDs] {
        var result: [CallerIDs] = []
        for line in lines {
            for user in line.users {
                if let index = result.firstIndex(where: { $0.user == user }) {
                    result[index].numbers.append(line.number)
                } else {
                    result.append(CallerIDs(user: user, numbers: [line.number]))
                }
            }
        }
        return result
    }
}
