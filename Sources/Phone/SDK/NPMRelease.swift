/// One published version of an npm package as its registry describes it: where the tarball is
/// and the `integrity` (`sha512-<base64>`) it must match before anything in it is used.
public struct NPMRelease: Sendable, Equatable {
    public var version: String
    public var tarballURL: String
    /// The base64 SHA-512 of the tarball, from `dist.integrity`.
    public var sha512: String

    /// The package the dialer needs.
    public static let voiceSDK = "@twilio/voice-sdk"
    /// The file of it the dialer loads.
    public static let voiceSDKFile = "package/dist/twilio.min.js"

    /// Picks `version` (default: the `latest` dist-tag) from the registry's package document.
    public init(package document: JSON, version wanted: String?) throws {
        guard let version = wanted ?? document["dist-tags"]?["latest"]?.stringValue else {
            throw SDKError("the registry names no latest version")
        }
        guard let release = document["versions"]?[version] else { throw SDKError("the registry has no version \(version)") }
        guard let tarball = release["dist"]?["tarball"]?.stringValue, tarball.hasPrefix("https://") else {
            throw SDKError("version \(version) has no https tarball URL")
        }
        guard let integrity = release["dist"]?["integrity"]?.stringValue, integrity.hasPrefix("sha512-") else {
            throw SDKError("version \(version) has no sha512 integrity; refusing a tarball nothing vouches for")
        }
        self.version = version
        self.tarballURL = tarball
        self.sha512 = String(integrity.dropFirst("sha512-".count))
    }

    /// True when `tarball` is the one the registry published.
    public func matches(_ tarball: [UInt8]) -> Bool {
        Base64.encode(MessageDigest.sha512(tarball)) == sha512
    }

    /// `twilio-sdk.json`, written beside the installed file: what is installed and its hashes.
    public func record(installed script: [UInt8], file: String) -> String {
        JSON.object([
            ("package", .string(NPMRelease.voiceSDK)), ("version", .string(version)),
            ("integrity", .string("sha512-" + sha512)), ("file", .string(file)),
            ("sha256", .string(RequestSignature.hex(MessageDigest.sha256(script)))),
        ]).text + "\n"
    }
}
