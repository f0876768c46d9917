/// A legacy Twilio Client Capability Token (Voice JavaScript SDK 1.x): a JWT signed with the
/// account's auth token whose `scope` claim lists what the browser may do.
///
/// The 2.x SDK only takes Access Tokens; this remains for setups without an API key.
public struct CapabilityToken: Sendable {
    public var accountSID: String
    public var authToken: String
    /// Name that incoming calls reach (`scope:client:incoming?clientName=...`), if any.
    public var incomingClientName: String?
    /// `AP...` for outgoing calls (`scope:client:outgoing?appSid=...`), if any.
    public var outgoingApplicationSID: String?
    public var ttl: Int

    public init(accountSID: String, authToken: String, incomingClientName: String?, outgoingApplicationSID: String?,
                ttl: Int = TokenLifetime.defaultSeconds) throws {
        if let name = incomingClientName, !ClientIdentity.isValid(name) {
            throw TokenError("client name \(JSON.quoted(name)): not letters, digits and _ (at most \(ClientIdentity.maximumLength)); map user names with ClientIdentity.of")
        }
        if let problem = TokenLifetime.problem(with: ttl) { throw TokenError(problem) }
        if authToken.isEmpty { throw TokenError("the auth token is empty") }
        self.accountSID = accountSID
        self.authToken = authToken
        self.incomingClientName = incomingClientName
        self.outgoingApplicationSID = outgoingApplicationSID
        self.ttl = ttl
    }

    public func expires(issuedAt now: Int) -> Int { now + ttl }

    /// Space-separated scope URIs, each with sorted, form-encoded parameters, as
    /// `twilio.jwt.client.ClientCapabilityToken` writes them. The outgoing scope carries
    /// `clientName` too, so calls from this browser arrive as `From=client:<name>`.
    public var scope: String {
        var scopes: [String] = []
        if let name = incomingClientName {
            scopes.append("scope:client:incoming?" + FormEncoding.encode([("clientName", name)]))
        }
        if let sid = outgoingApplicationSID {
            var params = [("appSid", sid)]
            if let name = incomingClientName { params.append(("clientName", name)) }
            params.sort { $0.0.unicodeScalars.lexicographicallyPrecedes($1.0.unicodeScalars) }
            scopes.append("scope:client:outgoing?" + FormEncoding.encode(params))
        }
        return scopes.joined(separator: " ")
    }

    public func claims(issuedAt now: Int) -> JSON {
        ["scope": .string(scope), "iss": .string(accountSID), "nbf": .int(now), "exp": .int(expires(issuedAt: now))]
    }

    public func jwt(issuedAt now: Int) -> String {
        JWT.signHS256(claims: claims(issuedAt: now), secret: authToken)
    }
}
