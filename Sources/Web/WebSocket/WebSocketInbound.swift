/// The reader of one socket while a message is partly received. A socket between messages
/// drops it (about 200 bytes of parser, reassembly and UTF-8 state) and makes a fresh one when
/// the next bytes come; one that keeps an inflater context between messages keeps it.
final class WebSocketInbound {
    var reader: WebSocketMessageReader

    init(maxMessageBytes: Int, deflate: PerMessageDeflate?) {
        reader = WebSocketMessageReader(maxMessageBytes: maxMessageBytes, deflate: deflate)
    }
}
