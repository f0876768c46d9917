// swift-tools-version:6.0
import PackageDescription

// Layers (see docs/DESIGN.md): shetphone (with CLI, its own argument parser) -> Phone -> (Store, Outbound, Web) -> System (CLinux, COpenSSL, CCrypt, CZlib,
// CSQLite, CCurl, CPostgres). Outbound also uses Web's threads and locks; Postgres (libpq) uses Web's locks.
// No SwiftNIO, Vapor, Hummingbird or FlyingFox anywhere in this graph.
let package = Package(
    name: "shetphone",
    products: [
        .executable(name: "shetphone", targets: ["shetphone"]),
        .executable(name: "ws-echo", targets: ["ws-echo"]),
        .library(name: "Web", targets: ["Web"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        .systemLibrary(name: "COpenSSL", path: "Sources/System/COpenSSL", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CCrypt", path: "Sources/System/CCrypt", providers: [.apt(["libcrypt-dev"])]),
        .systemLibrary(name: "CLinux", path: "Sources/System/CLinux"),
        .systemLibrary(name: "CZlib", path: "Sources/System/CZlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CSQLite", path: "Sources/System/CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        .target(
            name: "Store",
            dependencies: ["CSQLite", "Postgres", .product(name: "Logging", package: "swift-log")]
        ),
        // libcurl and libpq are not linked: CCurl and CPostgres only declare them, and CLazyCurl and
        // CLazyPostgres define the functions the code calls, opening the library on first use
        // (runtime packages libcurl4 and libpq5; see docs/DESIGN.md, "Loaded on first use").
        .systemLibrary(name: "CCurl", path: "Sources/System/CCurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CPostgres", path: "Sources/System/CPostgres", providers: [.apt(["libpq-dev"])]),
        .target(name: "CLazyLibrary", path: "Sources/System/CLazyLibrary"),
        .target(name: "CLazyCurl", dependencies: ["CLazyLibrary"], path: "Sources/System/CLazyCurl"),
        .target(name: "CLazyPostgres", dependencies: ["CLazyLibrary"], path: "Sources/System/CLazyPostgres"),
        .target(
            name: "Web",
            dependencies: ["CLinux", "COpenSSL", "CZlib", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "Outbound",
            dependencies: ["Web", "CCurl", "CLazyCurl"]
        ),
        .target(
            name: "Postgres",
            dependencies: ["CPostgres", "CLazyPostgres", "CLinux", "Web"]
        ),
        .target(
            name: "Phone",
            dependencies: ["Web", "Store", "Postgres", "Outbound", "CLinux", "COpenSSL", "CCrypt", "CZlib", .product(name: "Logging", package: "swift-log")]
        ),
        .target(name: "CLI"),
        .executableTarget(
            name: "shetphone",
            dependencies: [
                "Phone", "Web", "Outbound", "Store", "Postgres",
                "CLI",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "ws-echo",
            dependencies: ["Web", .product(name: "Logging", package: "swift-log")],
            path: "Examples/ws-echo"
        ),
        .testTarget(name: "WebTests", dependencies: ["Web"]),
        .testTarget(name: "PhoneTests", dependencies: ["Phone", "Web", "Store"]),
        .testTarget(name: "StoreTests", dependencies: ["Store", "Postgres"]),
        .testTarget(name: "OutboundTests", dependencies: ["Outbound"]),
        .testTarget(name: "SystemTests", dependencies: ["CLazyLibrary", "CLazyPostgres", "CLazyCurl"]),
        .testTarget(name: "CLITests", dependencies: ["CLI"]),
    ],
    swiftLanguageModes: [.v5]
)
