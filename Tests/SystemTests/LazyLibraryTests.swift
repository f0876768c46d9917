import CLazyCurl
import CLazyLibrary
import CLazyPostgres
import XCTest

/// The loader behind CLazyPostgres and CLazyCurl: a library that is missing, or lacks a
/// function, fails with an error naming it; one that is there gives the real functions.
final class LazyLibraryTests: XCTestCase {
    /// Runs `shet_lazy_library_open` on `soname` for `names`; the result, the functions found and the error text.
    private func open(_ soname: String, _ names: [String]) -> (loaded: Bool, functions: [UnsafeMutableRawPointer?], error: String) {
        let cNames = names.map { strdup($0) }
        defer { cNames.forEach { free($0) } }
        var functions = [UnsafeMutableRawPointer?](repeating: UnsafeMutableRawPointer(bitPattern: 1), count: names.count)
        return soname.withCString { cSoname in
            cNames.map { UnsafePointer($0) }.withUnsafeBufferPointer { namePointers in
                functions.withUnsafeMutableBufferPointer { slots in
                    var library = shet_lazy_library()
                    library.soname = cSoname
                    library.names = namePointers.baseAddress
                    library.functions = slots.baseAddress
                    library.count = names.count
                    let loaded = shet_lazy_library_open(&library) != 0
                    XCTAssertEqual(loaded, library.loaded != 0)
                    let error = withUnsafeBytes(of: &library.error) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
                    return (loaded, Array(slots), error)
                }
            }
        }
    }

    func testAMissingLibraryFailsNamingItAndTheLinkersReason() {
        let result = open("libshetphone-not-installed.so.7", ["anything"])
        XCTAssertFalse(result.loaded)
        XCTAssertTrue(result.error.hasPrefix("libshetphone-not-installed.so.7 cannot be loaded: "), result.error)
        XCTAssertTrue(result.error.contains("No such file or directory"), result.error)
    }

    func testALibraryWithoutAFunctionFailsNamingTheFunctionAndKeepsNone() {
        let result = open("libpq.so.5", ["PQlibVersion", "PQnoSuchFunctionAnywhere"])
        XCTAssertFalse(result.loaded)
        XCTAssertEqual(result.error, "libpq.so.5 has no function PQnoSuchFunctionAnywhere (a version too old?)")
        XCTAssertEqual(result.functions, [nil, nil])
    }

    func testALibraryThatIsThereGivesItsRealFunctions() throws {
        let result = open("libpq.so.5", ["PQlibVersion"])
        XCTAssertTrue(result.loaded, result.error)
        XCTAssertEqual(result.error, "")
        let function = try XCTUnwrap(result.functions[0])
        let libVersion = unsafeBitCast(function, to: (@convention(c) () -> Int32).self)
        XCTAssertGreaterThanOrEqual(libVersion(), 100_000, "PQlibVersion: major * 10000 + minor since PostgreSQL 10")
    }

    func testTheProductsLibrariesLoadOnThisMachine() {
        XCTAssertNil(shet_libpq_load_error().map { String(cString: $0) })
        XCTAssertNil(shet_libcurl_load_error().map { String(cString: $0) })
    }
}
