/// Picks the caller ID for an outgoing call: the user's number in the destination's
/// region, else one with the same calling code, else the user's first number, so a
/// call to a UK number shows a UK number when the user has one.
public enum CallerIDSelector {
    public static func select(from numbers: [PhoneNumber], for destination: PhoneNumber) -> PhoneNumber? {
        if let region = destination.region, let sameRegion = numbers.first(where: { $0.region == region }) {
            return sameRegion
        }
        return numbers.first(where: { $0.countryCallingCode == destination.countryCallingCode }) ?? numbers.first
    }
}
