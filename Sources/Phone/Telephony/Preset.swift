/// A named number the dialer offers with one click (`Home`, `Mum`).
public struct Preset: Sendable, Equatable {
    public var name: String
    public var number: PhoneNumber

    public init(name: String, number: PhoneNumber) {
        self.name = name
        self.number = number
    }

    /// `{"name":"Home","number":"+447700900123","country":"GB"}`
    public var json: JSON {
        ["name": .string(name), "number": .string(number.e164), "country": .string(orNull: number.region)]
    }
}
