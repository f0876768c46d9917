/// `--name VALUE` (also `--name=VALUE`, and `-n VALUE` with `.shortAndLong`). With a default it
/// is optional; without one it is required, unless its type is optional; an array collects
/// every time it is given.
@propertyWrapper
public struct Option<Value>: SlotHolder {
    private let typed: TypedSlot<Value>
    var slot: ArgumentSlot { typed }

    public var wrappedValue: Value { typed.parsed }

    public init(wrappedValue: Value, name: NameSpecification = .long, help: String) where Value: ArgumentValue {
        typed = TypedSlot(kind: .option, naming: name, help: help, initial: wrappedValue, expected: Value.expected) { _, text in
            Value(argument: text)
        }
    }

    public init(name: NameSpecification = .long, help: String) where Value: ArgumentValue {
        typed = TypedSlot(kind: .option, naming: name, help: help, initial: nil, expected: Value.expected) { _, text in
            Value(argument: text)
        }
    }

    public init<Wrapped: ArgumentValue>(name: NameSpecification = .long, help: String) where Value == Wrapped? {
        typed = TypedSlot(kind: .option, naming: name, help: help, initial: .some(nil), expected: Wrapped.expected) { _, text in
            Wrapped(argument: text).map { .some($0) }
        }
    }

    public init<Element: ArgumentValue>(wrappedValue: [Element], name: NameSpecification = .long, help: String)
        where Value == [Element] {
        typed = TypedSlot(kind: .option, naming: name, help: help, initial: wrappedValue, isRepeated: true,
                          expected: Element.expected) { values, text in
            Element(argument: text).map { (values ?? []) + [$0] }
        }
    }
}

/// `--name`: true when given.
@propertyWrapper
public struct Flag: SlotHolder {
    private let typed: TypedSlot<Bool>
    var slot: ArgumentSlot { typed }

    public var wrappedValue: Bool { typed.parsed }

    public init(wrappedValue: Bool = false, name: NameSpecification = .long, help: String) {
        typed = TypedSlot(kind: .flag, naming: name, help: help, initial: wrappedValue, expected: "") { _, _ in true }
    }
}

/// A positional argument, required, in the order the properties are declared.
@propertyWrapper
public struct Argument<Value: ArgumentValue>: SlotHolder {
    private let typed: TypedSlot<Value>
    var slot: ArgumentSlot { typed }

    public var wrappedValue: Value { typed.parsed }

    public init(help: String) {
        typed = TypedSlot(kind: .positional, naming: .long, help: help, initial: nil, expected: Value.expected) { _, text in
            Value(argument: text)
        }
    }
}

/// The arguments of a `ParsableArguments` group, declared once and shared by several commands.
@propertyWrapper
public struct OptionGroup<Value: ParsableArguments>: GroupHolder {
    public let wrappedValue: Value
    var group: Any { wrappedValue }

    public init() { wrappedValue = Value() }
}
