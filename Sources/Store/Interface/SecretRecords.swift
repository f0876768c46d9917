/// Secrets that every instance sharing the store must hold alike (the device-cookie key):
/// bytes by name, written once and never changed. Start-up only: every call blocks.
public protocol SecretRecords: AnyObject, Sendable {
    /// The secret stored under `name`; when there is none yet, `candidate` is stored and
    /// returned. Instances that ask at the same moment all get the one that was stored first.
    func secretNow(named name: String, storingIfAbsent candidate: [UInt8]) throws -> [UInt8]
}

/// The names of the secrets the store keeps.
public enum SecretName {
    /// The key that signs device cookies (`DeviceCookieSigner`).
    public static let deviceCookieKey = "device-cookie-key"
}
