/// A JSON Web Token signed with HMAC-SHA256 (RFC 7519, `alg` `HS256`): the format of
/// Twilio Access Tokens and legacy Capability Tokens.
public enum JWT {
    /// `base64url(header).base64url(claims).base64url(HMAC-SHA256(secret, first two parts))`.
    /// `alg` and `typ` are written first in the header; `extraHeader` fields follow.
    public static func signHS256(claims: JSON, secret: String, extraHeader: [(String, JSON)] = []) -> String {
        let header = JSON.object([("alg", "HS256"), ("typ", "JWT")] + extraHeader)
        let signingInput = Base64.urlEncode(Array(header.text.utf8)) + "." + Base64.urlEncode(Array(claims.text.utf8))
        let signature = HMAC.sha256(key: Array(secret.utf8), message: Array(signingInput.utf8))
        return signingInput + "." + Base64.urlEncode(signature)
    }

    /// The header and claims of an HS256 token whose signature matches `secret`, else nil.
    /// The server only issues tokens; this exists so tests can read back what was issued.
    public static func verifyHS256(_ token: String, secret: String) -> (header: JSON, claims: JSON)? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3,
              let headerBytes = Base64.urlDecode(String(parts[0])),
              let claimBytes = Base64.urlDecode(String(parts[1])),
              let signature = Base64.urlDecode(String(parts[2])),
              let header = try? JSONParser.parse(headerBytes),
              let claims = try? JSONParser.parse(claimBytes),
              header["alg"]?.stringValue == "HS256"
        else { return nil }
        let signingInput = Array((parts[0] + "." + parts[1]).utf8)
        let expected = HMAC.sha256(key: Array(secret.utf8), message: signingInput)
        guard HMAC.constantTimeEquals(expected, signature) else { return nil }
        return (header, claims)
    }
}
