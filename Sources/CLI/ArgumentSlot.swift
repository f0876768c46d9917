/// One declared argument of a command (an option, a flag or a positional argument) and the
/// value parsing gave it. The property wrappers hold one each; the parser finds them by
/// reflection and fills them in, so a command reads its arguments as plain properties.
public class ArgumentSlot {
    /// How the argument is written on the command line.
    public enum Kind {
        /// `--name VALUE`, `--name=VALUE`, `-n VALUE`.
        case option
        /// `--name`, present or not.
        case flag
        /// A bare word, in the order declared.
        case positional
    }

    let kind: Kind
    let naming: NameSpecification
    let help: String
    /// Must be given (no default).
    let isRequired: Bool
    /// May be given more than once, each value kept.
    let isRepeated: Bool
    /// What a value must be, for the error when it is not (`a whole number`).
    let expected: String
    /// The property's name, set when the command is reflected.
    var label = ""
    /// Given on this command line.
    var isSet = false

    init(kind: Kind, naming: NameSpecification, help: String, isRequired: Bool, isRepeated: Bool, expected: String) {
        self.kind = kind
        self.naming = naming
        self.help = help
        self.isRequired = isRequired
        self.isRepeated = isRepeated
        self.expected = expected
    }

    /// Stores `text` as (one of) the argument's values; false when it is not a valid value.
    func take(_ text: String) -> Bool { false }

    /// `--log-level` for the property `logLevel`, unless the declaration names it.
    var longName: String {
        if case .customLong(let name) = naming { return "--" + name }
        return "--" + ArgumentSlot.kebabCase(label)
    }

    /// `-c` for `config` when declared `.shortAndLong`.
    var shortName: String? {
        guard case .shortAndLong = naming, let first = label.first else { return nil }
        return "-" + String(first)
    }

    /// How the argument reads in usage lines: `--config <config>`, `--daemon`, `<file>`.
    var synopsis: String {
        switch kind {
        case .option: return longName + " <" + ArgumentSlot.kebabCase(label) + ">"
        case .flag: return longName
        case .positional: return "<" + ArgumentSlot.kebabCase(label) + ">"
        }
    }

    /// `logLevel` -> `log-level`, `TwilioAPI` -> `twilio-api`.
    static func kebabCase(_ name: String) -> String {
        var out = ""
        let characters = Array(name)
        for (index, character) in characters.enumerated() {
            if character.isUppercase {
                let previousLower = index > 0 && !characters[index - 1].isUppercase
                let nextLower = index + 1 < characters.count && characters[index + 1].isLowercase
                if index > 0 && (previousLower || nextLower) { out.append("-") }
                out += character.lowercased()
            } else {
                out.append(character)
            }
        }
        return out
    }
}

/// An argument slot holding a value of one type, changed by each value parsed.
final class TypedSlot<Value>: ArgumentSlot {
    private(set) var value: Value?
    private let accept: (Value?, String) -> Value?

    init(kind: Kind, naming: NameSpecification, help: String, initial: Value?, isRepeated: Bool = false,
         expected: String, accept: @escaping (Value?, String) -> Value?) {
        value = initial
        self.accept = accept
        super.init(kind: kind, naming: naming, help: help, isRequired: initial == nil && kind != .flag,
                   isRepeated: isRepeated, expected: expected)
    }

    override func take(_ text: String) -> Bool {
        guard let next = accept(value, text) else { return false }
        value = next
        isSet = true
        return true
    }

    /// The parsed (or default) value. The parser refuses a command line that lacks a required
    /// argument, so a missing value here is a command reading its arguments before parsing.
    var parsed: Value {
        guard let value else { preconditionFailure("\(synopsis) read before the command line was parsed") }
        return value
    }
}

/// A property wrapper that holds an argument slot.
protocol SlotHolder {
    var slot: ArgumentSlot { get }
}

/// A property wrapper that holds a group of arguments (`@OptionGroup`).
protocol GroupHolder {
    var group: Any { get }
}

extension ArgumentSlot {
    /// The slots declared by `value` (a command or an argument group), in declaration order.
    static func slots(of value: Any) -> [ArgumentSlot] {
        var found: [ArgumentSlot] = []
        for child in Mirror(reflecting: value).children {
            if let holder = child.value as? SlotHolder {
                var label = child.label ?? ""
                if label.hasPrefix("_") { label.removeFirst() }
                holder.slot.label = label
                found.append(holder.slot)
            } else if let holder = child.value as? GroupHolder {
                found += slots(of: holder.group)
            }
        }
        return found
    }
}
