/// The `[twilio]` section: the account, the credentials tokens are signed with, the TwiML
/// App outgoing calls go through, and whether webhooks must carry a valid signature.
///
/// With `api_key_sid` and `api_key_secret` the browser gets an Access Token (Voice SDK 2.x);
/// without them, a legacy Capability Token signed with the auth token (SDK 1.x only).
public struct TwilioSettings: Sendable {
    /// `account_sid`: `AC` and 32 hex digits.
    public var accountSID: String
    /// `auth_token`: signs capability tokens and webhooks (`X-Twilio-Signature`).
    public var authToken: String
    /// `api_key_sid`: `SK` and 32 hex digits.
    public var apiKeySID: String?
    /// `api_key_secret`: signs access tokens.
    public var apiKeySecret: String?
    /// `app_sid`: the TwiML App (`AP...`) whose Voice URL is this server's `/voice`.
    public var appSID: String
    /// `token_ttl`: seconds a browser token lives (default 3600, 60 to 86400).
    public var tokenTTL: Int
    /// `validate_signatures`: refuse webhooks without a valid signature (default true).
    public var validateSignatures: Bool
    /// `webhook_shared_key`: the SharedKey secrets of Webhook Rules (space-separated, several
    /// while rotating). Webhooks carrying `X-Twilio-Webhooks-Signature-Settings` are checked
    /// with these; the others with the auth token.
    public var webhookSharedKeys: [String] = []
    /// `api_base_url`: where Twilio's REST API is (default https://api.twilio.com; a test points it at a fake).
    public var apiBaseURL = TwilioAPI.defaultBaseURL

    public static let keys = [
        "account_sid", "auth_token", "api_key_sid", "api_key_secret", "app_sid", "token_ttl", "validate_signatures",
        "webhook_shared_key", "api_base_url",
    ]

    /// Checks every value; the error names the key and the rule it broke.
    public init(accountSID: String, authToken: String, apiKeySID: String? = nil, apiKeySecret: String? = nil,
                appSID: String, tokenTTL: Int = TokenLifetime.defaultSeconds, validateSignatures: Bool = true) throws {
        try TwilioSettings.checkSID(accountSID, prefix: "AC", key: "account_sid")
        guard !authToken.isEmpty else { throw SettingError(section: "twilio", key: "auth_token", "is empty") }
        try TwilioSettings.checkSID(appSID, prefix: "AP", key: "app_sid")
        switch (apiKeySID, apiKeySecret) {
        case (nil, nil): break
        case let (sid?, secret?):
            try TwilioSettings.checkSID(sid, prefix: "SK", key: "api_key_sid")
            guard !secret.isEmpty else { throw SettingError(section: "twilio", key: "api_key_secret", "is empty") }
        // Named after the key that is present, so the error points at a line that exists.
        case (nil, _?): throw SettingError(section: "twilio", key: "api_key_secret", "is set but api_key_sid is missing")
        case (_?, nil): throw SettingError(section: "twilio", key: "api_key_sid", "is set but api_key_secret is missing")
        }
        if let problem = TokenLifetime.problem(with: tokenTTL) { throw SettingError(section: "twilio", key: "token_ttl", problem) }
        self.accountSID = accountSID
        self.authToken = authToken
        self.apiKeySID = apiKeySID
        self.apiKeySecret = apiKeySecret
        self.appSID = appSID
        self.tokenTTL = tokenTTL
        self.validateSignatures = validateSignatures
    }

    /// Reads the `[twilio]` section; errors carry the file and the line of the bad entry.
    public init(section: IniFile.Section?, file: String) throws {
        guard let section else {
            throw ConfigError(file, 0, "[twilio] section is missing (account_sid, auth_token, app_sid are required)")
        }
        var tokenTTL = TokenLifetime.defaultSeconds
        var validateSignatures = true
        var sharedKeys: [String] = []
        for entry in section.entries {
            let reader = ValueReader(file: file, section: "twilio", entry: entry)
            switch entry.key {
            case "account_sid", "auth_token", "api_key_sid", "api_key_secret", "app_sid": break
            case "token_ttl": tokenTTL = try reader.integer(in: TokenLifetime.allowed)
            case "validate_signatures": validateSignatures = try reader.bool()
            case "webhook_shared_key":
                sharedKeys = entry.value.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
                if sharedKeys.isEmpty { throw reader.error("is empty (leave it out to check webhooks with the auth token only)") }
            case "api_base_url": break
            default: throw reader.error("unknown key (known: \(TwilioSettings.keys.joined(separator: ", ")))")
            }
        }
        func required(_ key: String) throws -> String {
            guard let value = section.value(key) else {
                throw ConfigError(file, section.line, "[twilio] \(key) is required")
            }
            return value
        }
        do {
            try self.init(
                accountSID: try required("account_sid"), authToken: try required("auth_token"),
                apiKeySID: section.value("api_key_sid"), apiKeySecret: section.value("api_key_secret"),
                appSID: try required("app_sid"), tokenTTL: tokenTTL, validateSignatures: validateSignatures)
            webhookSharedKeys = sharedKeys
        } catch let error as SettingError {
            throw ConfigError(file, section[error.key]?.line ?? section.line, "[twilio] \(error.key): \(error.message)")
        }
        if let entry = section["api_base_url"] {
            apiBaseURL = try ValueReader(file: file, section: "twilio", entry: entry).httpsURL()
        }
    }

    /// True when browsers get Access Tokens (an API key is configured).
    public var issuesAccessTokens: Bool { apiKeySID != nil && apiKeySecret != nil }

    /// The token `/token` hands to a logged-in user: may receive calls as `identity` and
    /// place calls through the TwiML App.
    public func browserToken(identity: String, now: Int) throws -> IssuedToken {
        if let sid = apiKeySID, let secret = apiKeySecret {
            let token = try AccessToken(
                accountSID: accountSID, apiKeySID: sid, apiKeySecret: secret, identity: identity,
                voice: VoiceGrant(incomingAllow: true, outgoingApplicationSID: appSID), ttl: tokenTTL)
            return IssuedToken(identity: identity, token: token.jwt(issuedAt: now), expires: token.expires(issuedAt: now))
        }
        let token = try CapabilityToken(
            accountSID: accountSID, authToken: authToken, incomingClientName: identity,
            outgoingApplicationSID: appSID, ttl: tokenTTL)
        return IssuedToken(identity: identity, token: token.jwt(issuedAt: now), expires: token.expires(issuedAt: now))
    }

    /// Verifies webhook signatures with the auth token.
    public var requestSignature: RequestSignature { RequestSignature(authToken: authToken) }

    private static func checkSID(_ sid: String, prefix: String, key: String) throws {
        let hex = sid.dropFirst(2)
        guard sid.hasPrefix(prefix), hex.count == 32, hex.allSatisfy({ $0.isHexDigit && $0.isASCII }) else {
            throw SettingError(section: "twilio", key: key, "\(JSON.quoted(sid)) is not \(prefix) followed by 32 hex digits")
        }
    }
}

/// A browser token and when it ends: the body of `GET /token`.
public struct IssuedToken: Sendable, Equatable {
    public var identity: String
    public var token: String
    /// Unix seconds.
    public var expires: Int

    /// `{"identity":"alice","token":"...","expires":1700000000}`
    public var json: JSON {
        ["identity": .string(identity), "token": .string(token), "expires": .int(expires)]
    }
}
