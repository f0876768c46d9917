/// How an option or flag is named on the command line.
public enum NameSpecification {
    /// `--property-name` only.
    case long
    /// `--property-name` and `-p` (its first letter).
    case shortAndLong
    /// `--NAME` (without the dashes).
    case customLong(String)
}
