/// A Twilio Access Token for the Voice JavaScript SDK 2.x: a JWT signed with an API key
/// secret, naming the account, the user's identity and a `voice` grant.
public struct AccessToken: Sendable {
    public var accountSID: String
    public var apiKeySID: String
    public var apiKeySecret: String
    public var identity: String
    public var voice: VoiceGrant
    public var ttl: Int

    /// Throws when the identity is not a valid Twilio client name or the lifetime is out of range.
    public init(accountSID: String, apiKeySID: String, apiKeySecret: String, identity: String,
                voice: VoiceGrant, ttl: Int = TokenLifetime.defaultSeconds) throws {
        if !ClientIdentity.isValid(identity) {
            throw TokenError("identity \(JSON.quoted(identity)): not letters, digits and _ (at most \(ClientIdentity.maximumLength)); map user names with ClientIdentity.of")
        }
        if let problem = TokenLifetime.problem(with: ttl) { throw TokenError(problem) }
        if apiKeySecret.isEmpty { throw TokenError("the API key secret is empty") }
        self.accountSID = accountSID
        self.apiKeySID = apiKeySID
        self.apiKeySecret = apiKeySecret
        self.identity = identity
        self.voice = voice
        self.ttl = ttl
    }

    /// Unix time at which a token issued at `now` stops working.
    public func expires(issuedAt now: Int) -> Int { now + ttl }

    /// The claims, in the shape Twilio's own server libraries produce
    /// (`twilio.jwt.access_token.AccessToken` with a `VoiceGrant`).
    public func claims(issuedAt now: Int) -> JSON {
        [
            "jti": .string("\(apiKeySID)-\(now)"),
            "iss": .string(apiKeySID),
            "sub": .string(accountSID),
            "iat": .int(now),
            "nbf": .int(now),
            "exp": .int(expires(issuedAt: now)),
            "grants": ["identity": .string(identity), "voice": voice.json],
        ]
    }

    /// The signed token; `cty: twilio-fpa;v=1` in the header marks it as a Twilio Access Token.
    public func jwt(issuedAt now: Int) -> String {
        JWT.signHS256(claims: claims(issuedAt: now), secret: apiKeySecret, extraHeader: [("cty", "twilio-fpa;v=1")])
    }
}

/// A token that cannot be issued, and why.
public struct TokenError: Error, CustomStringConvertible, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
