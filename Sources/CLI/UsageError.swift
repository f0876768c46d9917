/// A command line that does not fit the command's declaration; each case names the argument.
/// Shown with the command's usage line; the process ends with status 2.
public enum UsageError: Error, Equatable, CustomStringConvertible {
    /// `--nope`: no such option or flag.
    case unknownOption(String)
    /// `--config` as the last word, or followed by another option.
    case missingValue(option: String)
    /// `--cost ten`: the value is not what the option takes.
    case invalidValue(option: String, value: String, expected: String)
    /// `--daemon=yes`: a flag takes no value.
    case flagWithValue(flag: String)
    /// A word left over after every positional argument was filled.
    case unexpectedArgument(String)
    /// A required option or positional argument was not given.
    case missing(String)
    /// `shetphone pasword`: no such subcommand.
    case unknownCommand(String, known: [String])
    /// The command's own check (`validate`) refused the combination.
    case invalid(String)

    public var description: String {
        switch self {
        case .unknownOption(let option):
            return "\(option): unknown option"
        case .missingValue(let option):
            return "\(option) needs a value"
        case let .invalidValue(option, value, expected):
            return "\(option) \(value.debugDescription): must be \(expected)"
        case .flagWithValue(let flag):
            return "\(flag) takes no value"
        case .unexpectedArgument(let word):
            return "\(word.debugDescription): unexpected argument"
        case .missing(let synopsis):
            return "missing \(synopsis)"
        case let .unknownCommand(word, known):
            return "\(word.debugDescription): unknown command (commands: \(known.joined(separator: ", ")))"
        case .invalid(let reason):
            return reason
        }
    }
}
