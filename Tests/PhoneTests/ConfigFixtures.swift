/// The config files under `Tests/fixtures/`, read by path from this source file's place.
enum ConfigFixtures {
    static let folder: String = {
        let file = "\(#filePath)"
        let tests = file.split(separator: "/", omittingEmptySubsequences: false).dropLast(2).joined(separator: "/")
        return tests + "/fixtures/moving-in"
    }()

    static func path(_ name: String) -> String { folder + "/" + name }
}
