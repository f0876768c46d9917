import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A parsed XML element for TwiML tests: a real XML parser (libxml2 through Foundation)
/// reads what the builder wrote, so the tests prove well-formedness and exact values.
final class TwiMLTree {
    let name: String
    let attributes: [String: String]
    var text = ""
    var children: [TwiMLTree] = []

    init(name: String, attributes: [String: String]) {
        self.name = name
        self.attributes = attributes
    }

    func child(_ name: String) -> TwiMLTree? { children.first { $0.name == name } }

    /// Nil when the document is not well-formed XML.
    static func parse(_ xml: String) -> TwiMLTree? {
        let delegate = Builder()
        let parser = XMLParser(data: Data(xml.utf8))
        parser.delegate = delegate
        guard parser.parse(), delegate.failed == false else { return nil }
        return delegate.root
    }

    private final class Builder: NSObject, XMLParserDelegate {
        var root: TwiMLTree?
        var stack: [TwiMLTree] = []
        var failed = false

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                    qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
            let node = TwiMLTree(name: elementName, attributes: attributeDict)
            if let parent = stack.last { parent.children.append(node) } else { root = node }
            stack.append(node)
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
            stack.removeLast()
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            stack.last?.text += string
        }

        func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) {
            failed = true
        }
    }
}
