// swift-tools-version:6.2
// Peer servers for scripts/bench: the same routes as shetphone, written on
// Hummingbird 2 and on FlyingFox. A separate package so that the product's
// dependency graph never sees NIO, Hummingbird or FlyingFox.
import PackageDescription

let package = Package(
    name: "ShetphoneBenchmarks",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "hummingbird-peer", targets: ["HummingbirdPeer"]),
        .executable(name: "flyingfox-peer", targets: ["FlyingFoxPeer"]),
    ],
    dependencies: [
        // Default traits off: they only add swift-configuration and Foundation date
        // formats to the form decoder, neither of which the measured routes use.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", exact: "2.28.1", traits: []),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", exact: "2.8.1"),
        .package(url: "https://github.com/swhitty/FlyingFox.git", exact: "0.27.1"),
    ],
    targets: [
        .target(name: "PeerCommon", path: "Sources/PeerCommon"),
        .executableTarget(
            name: "HummingbirdPeer",
            dependencies: [
                "PeerCommon",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
            ]
        ),
        .executableTarget(
            name: "FlyingFoxPeer",
            dependencies: [
                "PeerCommon",
                .product(name: "FlyingFox", package: "FlyingFox"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
