import CLI
import Glibc
import Outbound
import Phone

/// `shetphone twilio-api ...`: talk to Twilio's REST API with the config's credentials, the way
/// the server does (same client, certificates, timeouts and retries).
struct TwilioAPICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "twilio-api",
        abstract: "Check the Twilio credentials, or fetch or delete a recording, with the config's settings.",
        subcommands: [Check.self, FetchRecording.self, DeleteRecording.self]
    )

    struct Options: ParsableArguments {
        @Option(name: .shortAndLong, help: "The config file.")
        var config: String = "shetphone.ini"

        /// The API client for the config, and the outbound client to stop afterwards.
        func api() throws -> (TwilioAPI, OutboundClient) {
            do {
                let config = try ShetphoneConfig.load(path: self.config)
                let twilio = try config.requiredTwilio()
                let outbound = config.outbound
                let client = OutboundClient(settings: outbound.client)
                let api = TwilioAPI(settings: twilio, client: client)
                api.timeoutSeconds = outbound.timeoutSeconds
                return (api, client)
            } catch {
                printError("\(error)")
                throw ExitCode(1)
            }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Fetch the account: proves api_base_url, certificates and credentials.")
        @OptionGroup var options: Options

        func run() throws {
            let (api, client) = try options.api()
            defer { client.shutdown() }
            let account = wait { api.fetchAccount($0) }
            switch account {
            case .success(let json):
                print("OK: \(json["friendly_name"]?.stringValue ?? api.accountSID) (\(json["status"]?.stringValue ?? "status unknown"))")
            case .failure(let error):
                printError("\(error)")
                throw ExitCode(1)
            }
        }
    }

    struct FetchRecording: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "fetch-recording", abstract: "Save a recording's audio to a file.")
        @OptionGroup var options: Options
        @Argument(help: "The recording SID (RE...).") var sid: String
        @Option(name: .shortAndLong, help: "Where to write the audio.") var output: String
        @Option(help: "mp3 or wav.") var format: String = "mp3"

        func run() throws {
            guard let format = TwilioRecording.Format(rawValue: format) else {
                printError("--format \(format): use mp3 or wav")
                throw ExitCode(2)
            }
            let (api, client) = try options.api()
            defer { client.shutdown() }
            let info = wait { api.fetchRecording(sid, $0) }
            guard case .success(let recording) = info else {
                if case .failure(let error) = info { printError("\(error)") }
                throw ExitCode(1)
            }
            let fd = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            guard fd >= 0 else {
                printError("\(output): cannot write (\(String(cString: strerror(errno))))")
                throw ExitCode(1)
            }
            defer { close(fd) }
            let written = Counter()
            let media = wait { done in
                api.streamRecordingMedia(sid, format: format, onChunk: { chunk in
                    written.add(chunk.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) })
                }, completion: done)
            }
            switch media {
            case .success(let type):
                print("\(recording.sid): \(written.total) bytes of \(type), \(recording.duration.map { "\($0) s" } ?? "length unknown") -> \(output)")
            case .failure(let error):
                printError("\(error)")
                throw ExitCode(1)
            }
        }
    }

    struct DeleteRecording: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "delete-recording", abstract: "Delete a recording at Twilio.")
        @OptionGroup var options: Options
        @Argument(help: "The recording SID (RE...).") var sid: String

        func run() throws {
            let (api, client) = try options.api()
            defer { client.shutdown() }
            switch wait({ api.deleteRecording(sid, $0) }) {
            case .success: print("\(sid): deleted")
            case .failure(let error):
                printError("\(error)")
                throw ExitCode(1)
            }
        }
    }
}

/// Runs an asynchronous call and waits for its one result (a command-line tool has nothing else to do).
func wait<T>(_ call: (@escaping @Sendable (T) -> Void) -> Void) -> T {
    let box = Rendezvous<T>()
    call { box.put($0) }
    return box.take()
}

/// Bytes written so far, counted from the outbound thread.
final class Counter: @unchecked Sendable {
    private(set) var total = 0
    func add(_ count: Int) { if count > 0 { total += count } }
}
