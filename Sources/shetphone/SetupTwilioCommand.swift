import CLI
import Glibc
import Outbound
import Phone

/// `shetphone setup-twilio --config FILE [--dry-run]`: the Twilio console steps in one command.
/// With the account SID and auth token it creates (or reuses) an API key and a TwiML App whose
/// Voice URL is `public_url`/voice, points each `[numbers]` number's calls at that App and its
/// texts at `public_url`/sms, and
/// writes the new keys into the config (atomically, comments and mode kept). A second run
/// changes nothing; `--dry-run` only says what it would do.
struct SetupTwilioCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "setup-twilio",
        abstract: "Create or reuse the API key and TwiML App, point the numbers at it, and write the keys into the config.",
        discussion: "Needs [twilio] account_sid and auth_token (or TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN) and "
            + "[app] public_url. Run it again at any time: what is already right is left alone."
    )

    @Option(name: .shortAndLong, help: "The config file (default: shetphone.ini in the working directory).")
    var config: String = "shetphone.ini"

    @Flag(name: .long, help: "Print what would change; change nothing at Twilio or in the file.")
    var dryRun = false

    /// The name the App and the key get at Twilio, so a later run finds them.
    static let friendlyName = "Shetphone"

    func run() throws {
        do {
            try setUp()
        } catch let error as ExitCode {
            throw error
        } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
    }

    private func setUp() throws {
        let (ini, text) = try ShetphoneConfig.translatedIni(path: config)
        let twilio = ini["twilio"]
        guard let accountSID = twilio?.value("account_sid"), !accountSID.isEmpty,
              let authToken = twilio?.value("auth_token"), !authToken.isEmpty else {
            throw SetupError("\(config): setup-twilio needs [twilio] account_sid and auth_token (or TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN)")
        }
        guard TwilioAPI.isSID(accountSID, prefix: "AC") else {
            throw SetupError("\(config): [twilio] account_sid \(JSON.quoted(accountSID)) is not AC followed by 32 hex digits")
        }
        let app = try AppSettings(section: ini["app"], file: config, directory: ".")
        guard let publicURL = app.publicURL, publicURL.hasPrefix("https://") else {
            throw SetupError("\(config): setup-twilio needs [app] public_url, the https:// address Twilio calls (https://phone.example.com/shetphone)")
        }
        let plan = try NumberPlan(ini: ini)
        let outbound = try OutboundSettings(section: ini["outbound"], file: config, directory: ".")
        let client = OutboundClient(settings: outbound.client)
        defer { client.shutdown() }
        let api = TwilioAPI(baseURL: twilio?.value("api_base_url") ?? TwilioAPI.defaultBaseURL, accountSID: accountSID,
                            login: BasicCredentials(user: accountSID, password: authToken), client: client)
        api.timeoutSeconds = outbound.timeoutSeconds
        let voiceURL = publicURL + "/voice"
        let smsURL = publicURL + "/sms"
        let prefix = dryRun ? "would " : ""
        var changes: [(key: String, value: String)] = []

        // The credentials first: a wrong token must stop everything before anything changes.
        _ = try result(wait { api.fetchAccount($0) })

        if let sid = twilio?.value("api_key_sid"), let secret = twilio?.value("api_key_secret"), !sid.isEmpty, !secret.isEmpty {
            print("API key \(sid): kept")
        } else if dryRun {
            print("would create an API key \(JSON.quoted(Self.friendlyName)) and write api_key_sid, api_key_secret")
        } else {
            let key = try result(wait { api.post("/Keys.json", form: [("FriendlyName", Self.friendlyName)], resource: "API key", $0) })
            guard let sid = key["sid"]?.stringValue, let secret = key["secret"]?.stringValue else {
                throw SetupError("Twilio's answer to creating an API key has no sid or secret")
            }
            print("API key \(sid): created")
            changes += [("api_key_sid", sid), ("api_key_secret", secret)]
        }

        let applications = try result(wait { api.get("/Applications.json", resource: "TwiML Apps", $0) })["applications"]?.arrayValue ?? []
        func voiceURLOf(_ app: JSON) -> String? { app["voice_url"]?.stringValue }
        var appSID = twilio?.value("app_sid") ?? ""
        if let current = applications.first(where: { $0["sid"]?.stringValue == appSID }), voiceURLOf(current) == voiceURL {
            print("TwiML App \(appSID): kept (Voice URL \(voiceURL))")
        } else if let reusable = applications.first(where: { voiceURLOf($0) == voiceURL }), let sid = reusable["sid"]?.stringValue {
            print("TwiML App \(sid): \(prefix)use it (its Voice URL is \(voiceURL))")
            appSID = sid
            changes.append(("app_sid", sid))
        } else if dryRun {
            print("would create a TwiML App \(JSON.quoted(Self.friendlyName)) with Voice URL \(voiceURL) and write app_sid")
            appSID = "(new App)"
        } else {
            let created = try result(wait {
                api.post("/Applications.json", form: [("FriendlyName", Self.friendlyName), ("VoiceUrl", voiceURL),
                                                      ("VoiceMethod", "POST")], resource: "TwiML App", $0)
            })
            guard let sid = created["sid"]?.stringValue, TwilioAPI.isSID(sid, prefix: "AP") else {
                throw SetupError("Twilio's answer to creating a TwiML App has no App SID")
            }
            print("TwiML App \(sid): created with Voice URL \(voiceURL)")
            appSID = sid
            changes.append(("app_sid", sid))
        }

        let owned = try result(wait { api.get("/IncomingPhoneNumbers.json", resource: "phone numbers", $0) })["incoming_phone_numbers"]?.arrayValue ?? []
        for line in plan.lines {
            let number = line.number.e164
            guard let entry = owned.first(where: { $0["phone_number"]?.stringValue == number }),
                  let sid = entry["sid"]?.stringValue, TwilioAPI.isSID(sid, prefix: "PN") else {
                print("\(number): not a number of this Twilio account; left alone")
                continue
            }
            // Calls go through the TwiML App; texts to the server's /sms webhook.
            var form: [(String, String)] = []
            if entry["voice_application_sid"]?.stringValue == appSID {
                print("\(number): calls already go to the TwiML App")
            } else {
                print("\(number): \(prefix)send its calls to the TwiML App")
                form.append(("VoiceApplicationSid", appSID))
            }
            if entry["sms_url"]?.stringValue == smsURL {
                print("\(number): texts already go to \(smsURL)")
            } else {
                print("\(number): \(prefix)send its texts to \(smsURL)")
                form += [("SmsUrl", smsURL), ("SmsMethod", "POST")]
            }
            if !form.isEmpty && !dryRun {
                _ = try result(wait { api.post("/IncomingPhoneNumbers/\(sid).json", form: form, resource: "phone number \(number)", $0) })
            }
        }

        guard !changes.isEmpty else {
            print("\(config): nothing to change")
            return
        }
        if dryRun {
            print("\(config): would set \(changes.map(\.key).joined(separator: ", ")) in [twilio]")
            return
        }
        let edited = IniEdit.setting(changes, in: "twilio", of: text, aliases: ["app_sid": ["application_sid"]])
        var info = stat()
        let mode = stat(config, &info) == 0 ? info.st_mode & 0o7777 : 0o600
        try AtomicFile.write(Array(edited.utf8), to: config, mode: mode)
        print("\(config): wrote \(changes.map(\.key).joined(separator: ", ")) in [twilio]")
    }

    private func result(_ outcome: Result<JSON, TwilioAPIError>) throws -> JSON {
        switch outcome {
        case .success(let json): return json
        case .failure(let error):
            throw SetupError("Twilio: \(error)\(isLoginError(error) ? " (check [twilio] account_sid and auth_token; nothing was changed)" : "")")
        }
    }

    private func isLoginError(_ error: TwilioAPIError) -> Bool {
        if case .api(let status, _, _, _) = error { return status == 401 }
        return false
    }
}

/// Why `setup-twilio` stopped.
struct SetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
