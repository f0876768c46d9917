/// Which way a text went.
public enum TextDirection: String, Sendable, Equatable {
    /// Received by one of our numbers (`POST /sms`).
    case incoming = "in"
    /// Sent from the dialer through Twilio's Messages API.
    case outgoing = "out"
}

/// One picture (or other file) of an MMS, as Twilio gave it: fetched through the server, never by the browser.
public struct TextMedia: Sendable, Equatable {
    public var url: String
    public var contentType: String

    public init(url: String, contentType: String) {
        self.url = url
        self.contentType = contentType
    }
}

/// One text message of a thread.
public struct TextMessage: Sendable, Equatable {
    /// The store's order of messages (0 until saved); `before=` pages by it.
    public var id: Int
    /// Twilio's MessageSid (`SM...`/`MM...`).
    public var sid: String
    public var threadID: Int
    /// Our number (E.164).
    public var number: String
    /// The other party, as Twilio gave it (E.164, a short code or a sender name).
    public var party: String
    public var direction: TextDirection
    public var body: String
    public var media: [TextMedia]
    /// Twilio's MessageStatus (`received`, `queued`, `sent`, `delivered`, `undelivered`, `failed`...).
    public var status: String
    public var errorCode: Int?
    /// The user who sent it (outgoing only).
    public var sentBy: String?
    /// Unix milliseconds.
    public var createdAt: Int

    public init(id: Int = 0, sid: String, threadID: Int = 0, number: String, party: String, direction: TextDirection,
                body: String, media: [TextMedia] = [], status: String, errorCode: Int? = nil, sentBy: String? = nil,
                createdAt: Int) {
        self.id = id
        self.sid = sid
        self.threadID = threadID
        self.number = number
        self.party = party
        self.direction = direction
        self.body = body
        self.media = media
        self.status = status
        self.errorCode = errorCode
        self.sentBy = sentBy
        self.createdAt = createdAt
    }

    /// How far along a message is: a status callback may only move it forward, so a late
    /// `sent` never overwrites `delivered` (Twilio does not promise their order).
    public static func progress(of status: String) -> Int {
        switch status {
        case "accepted", "scheduled": return 0
        case "queued": return 1
        case "sending": return 2
        case "sent": return 3
        case "delivered", "undelivered", "failed", "canceled", "received": return 4
        case "read": return 5
        default: return -1
        }
    }

    /// The media as stored: one `content-type url` line each (neither may hold spaces or line breaks).
    static func mediaText(_ media: [TextMedia]) -> String {
        media.map { $0.contentType + " " + $0.url }.joined(separator: "\n")
    }

    static func media(fromText text: String) -> [TextMedia] {
        text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2 else { return nil }
            return TextMedia(url: String(parts[1]), contentType: String(parts[0]))
        }
    }
}

/// A conversation between one of our numbers and one other party, shared by every user on the number.
public struct TextThread: Sendable, Equatable {
    public var id: Int
    public var number: String
    public var party: String
    public var last: TextMessage
    /// Incoming messages the asking user has not read.
    public var unread: Int

    public init(id: Int, number: String, party: String, last: TextMessage, unread: Int) {
        self.id = id
        self.number = number
        self.party = party
        self.last = last
        self.unread = unread
    }
}

/// What `MessageRecords.save` did: the message as stored, and whether it is new (false: that
/// MessageSid was kept before, Twilio delivered the webhook twice).
public struct SavedText: Sendable, Equatable {
    public var message: TextMessage
    public var isNew: Bool

    public init(message: TextMessage, isNew: Bool) {
        self.message = message
        self.isNew = isNew
    }
}

/// The texts of every number: threads per (our number, other party), read marks per user.
public protocol MessageRecords: Sendable {
    /// Keeps a message, making its thread on first use; a MessageSid kept before is not kept again.
    func save(_ message: TextMessage, then: @escaping StoreCompletion<SavedText>)
    /// Moves a message to `status` when that is further along (`TextMessage.progress`); `then`
    /// gets the updated message, or nil when there is none with that SID or the status would go back.
    func updateStatus(sid: String, status: String, errorCode: Int?, then: @escaping StoreCompletion<TextMessage?>)
    /// The threads of `numbers`, latest activity first, with `user`'s unread counts.
    func threads(numbers: [String], user: String, limit: Int, then: @escaping StoreCompletion<[TextThread]>)
    /// One thread with `user`'s unread count, or nil.
    func thread(id: Int, user: String, then: @escaping StoreCompletion<TextThread?>)
    /// Up to `limit` messages of a thread older than message `before` (all when nil), newest first.
    func messages(threadID: Int, before: Int?, limit: Int, then: @escaping StoreCompletion<[TextMessage]>)
    /// Marks every message of the thread read for `user`; false when there is no such thread.
    func markRead(threadID: Int, user: String, then: @escaping StoreCompletion<Bool>)
    func message(sid: String, then: @escaping StoreCompletion<TextMessage?>)
    /// Messages of `numbers` whose body holds `text` (any case) or whose other party's number
    /// holds `digits` (when not empty), newest first (the history search).
    func search(numbers: [String], text: String, digits: String, limit: Int, then: @escaping StoreCompletion<[TextMessage]>)
}
