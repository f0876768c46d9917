import CLI
import Glibc
import Outbound
import Phone

/// `shetphone fetch-sdk [--version 2.x.y]`: downloads `@twilio/voice-sdk` from the npm registry,
/// checks the tarball against the registry's published sha512 `integrity` before unpacking it,
/// and installs `dist/twilio.min.js` where the dialer loads it (`[server] public_dir` +
/// `[app] twilio_sdk_url`), with the version and hashes beside it in `twilio-sdk.json`.
struct FetchSDKCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch-sdk",
        abstract: "Install the Twilio Voice JavaScript SDK the dialer needs, checked against the npm registry's sha512."
    )

    @Option(name: .shortAndLong, help: "The config file (default: shetphone.ini in the working directory).")
    var config: String = "shetphone.ini"

    @Option(name: .long, help: "The SDK version (default: the registry's latest).")
    var version: String?

    @Option(name: .long, help: "The npm registry.")
    var registry: String = "https://registry.npmjs.org"

    /// No SDK tarball comes near this; a bigger answer is not the SDK.
    static let maxTarballBytes = 64 << 20

    func run() throws {
        do {
            try fetch()
        } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
    }

    private func fetch() throws {
        let settings = try ShetphoneConfig.load(path: config)
        let sdkURL = settings.app.twilioSDKURL
        guard !sdkURL.contains("://"), !sdkURL.hasPrefix("/"), !sdkURL.split(separator: "/").contains("..") else {
            throw SDKError("[app] twilio_sdk_url is \(sdkURL): the dialer loads the SDK from elsewhere, so there is nothing to install here")
        }
        let target = AppSettings.join(settings.server.publicDir, sdkURL)
        guard registry.hasPrefix("https://") else { throw SDKError("--registry \(registry): use https://") }
        let client = OutboundClient(settings: settings.outbound.client)
        defer { client.shutdown() }

        let base = registry.hasSuffix("/") ? String(registry.dropLast()) : registry
        let document = try fetchBytes(client, base + "/@twilio%2fvoice-sdk", limit: 32 << 20, what: "the registry's package document")
        let release = try NPMRelease(package: try JSONParser.parse(document), version: version)
        let tarball = try fetchBytes(client, release.tarballURL, limit: Self.maxTarballBytes, what: "the tarball of \(release.version)")
        // Nothing in the tarball is looked at before its hash matches the registry's.
        guard release.matches(tarball) else {
            throw SDKError("the tarball of \(NPMRelease.voiceSDK) \(release.version) does not match the registry's sha512 integrity; nothing was installed")
        }
        let archive = try TarArchive(try Gunzip.decompress(tarball, limit: 256 << 20))
        guard let script = archive.files[NPMRelease.voiceSDKFile], !script.isEmpty else {
            throw SDKError("\(NPMRelease.voiceSDK) \(release.version) has no \(NPMRelease.voiceSDKFile)")
        }
        let folder = String(target[..<(target.lastIndex(of: "/") ?? target.startIndex)])
        if !folder.isEmpty, mkdir(folder, 0o755) != 0, errno != EEXIST {
            throw SDKError("cannot create \(folder): \(String(cString: strerror(errno)))")
        }
        try AtomicFile.write(script, to: target, mode: 0o644)
        try AtomicFile.write(Array(release.record(installed: script, file: sdkURL).utf8), to: folder + "/twilio-sdk.json", mode: 0o644)
        print("\(NPMRelease.voiceSDK) \(release.version): installed \(target) (\(script.count) bytes, tarball sha512 checked)")
    }

    private func fetchBytes(_ client: OutboundClient, _ url: String, limit: Int, what: String) throws -> [UInt8] {
        let request = OutboundRequest(url: url, timeoutSeconds: 60, maxResponseBytes: limit, followRedirects: true)
        switch wait({ done in client.send(request) { done($0) } }) {
        case .success(let response) where response.isSuccess: return response.body
        case .success(let response): throw SDKError("\(what): HTTP \(response.status) from \(url)")
        case .failure(let error): throw SDKError("\(what): \(error)")
        }
    }
}
