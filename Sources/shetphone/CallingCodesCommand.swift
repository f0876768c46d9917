import CLI
import Phone

/// `shetphone calling-codes`: writes the dialer's calling-code table (`Public/js/calling-codes.js`)
/// from the server's, so both check numbers by the same rules.
struct CallingCodesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calling-codes",
        abstract: "Write Public/js/calling-codes.js (the dialer's calling-code table) from the server's table."
    )

    @Option(name: .shortAndLong, help: "Where to write it; - for standard output.")
    var output: String = "Public/js/calling-codes.js"

    func run() throws {
        let text = CallingCodesScript.text
        if output == "-" {
            print(text, terminator: "")
            return
        }
        do {
            try AtomicFile.write(Array(text.utf8), to: output, mode: 0o644)
        } catch {
            printError("\(output): \(error)")
            throw ExitCode(1)
        }
        print("\(output): \(DialerCountry.all.count) countries, \(CallingCode.assignments.count) calling codes")
    }
}
