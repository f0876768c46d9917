import CCurl

/// One request in flight on the outbound thread: its libcurl easy handle for the current try,
/// the bytes coming back, and where the result goes. Lives only on the outbound thread.
final class Transfer {
    enum Work {
        case http(OutboundRequest)
        case mail(OutboundMail)
    }

    let work: Work
    let onChunk: (([UInt8]) -> Void)?
    let completion: (Result<OutboundResponse, OutboundError>) -> Void
    var attempt = 0
    var easy: UnsafeMutableRawPointer?
    private var lists: [UnsafeMutablePointer<curl_slist>] = []
    let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)

    // The current try's response.
    var status = 0
    var headers: [OutboundHeader] = []
    var body: [UInt8] = []
    var bodyDelivered = false
    var overflowed = false
    var uploadOffset = 0

    init(work: Work, onChunk: (([UInt8]) -> Void)?, completion: @escaping (Result<OutboundResponse, OutboundError>) -> Void) {
        self.work = work
        self.onChunk = onChunk
        self.completion = completion
    }

    deinit {
        releaseHandle()
        errorBuffer.deallocate()
    }

    var url: String {
        switch work {
        case .http(let request): return request.url
        case .mail(let mail): return mail.server.url
        }
    }

    var retry: RetryPolicy {
        switch work {
        case .http(let request): return request.retry
        case .mail(let mail): return mail.retry
        }
    }

    var timeoutSeconds: Int {
        switch work {
        case .http(let request): return request.timeoutSeconds
        case .mail(let mail): return mail.timeoutSeconds
        }
    }

    var safeToRepeat: Bool {
        switch work {
        case .http(let request): return request.safeToRepeat
        // A duplicate notice beats a lost one.
        case .mail: return true
        }
    }

    var maxResponseBytes: Int {
        switch work {
        case .http(let request): return request.maxResponseBytes
        case .mail: return 64 * 1024
        }
    }

    /// A fresh easy handle set up for the next try; the connection itself comes from the multi
    /// handle's pool, so a second request to the same host reuses it.
    func makeHandle(settings: OutboundClient.Settings) -> Result<UnsafeMutableRawPointer, OutboundError> {
        releaseHandle()
        attempt += 1
        status = 0
        headers = []
        body = []
        overflowed = false
        uploadOffset = 0
        errorBuffer[0] = 0
        guard let easy = curl_easy_init() else { return .failure(.transport(url: url, detail: "curl_easy_init failed")) }
        self.easy = easy
        let me = Unmanaged.passUnretained(self).toOpaque()
        var problems: [CURLcode] = []
        func set(_ option: CURLoption, _ value: Int) { problems.append(shet_curl_setopt_long(easy, option, value)) }
        func set(_ option: CURLoption, _ value: String) { problems.append(shet_curl_setopt_string(easy, option, value)) }

        problems.append(shet_curl_setopt_pointer(easy, CURLOPT_PRIVATE, me))
        problems.append(shet_curl_setopt_pointer(easy, CURLOPT_ERRORBUFFER, errorBuffer))
        set(CURLOPT_URL, url)
        set(CURLOPT_NOSIGNAL, 1)
        set(CURLOPT_CONNECTTIMEOUT_MS, settings.connectTimeoutSeconds * 1000)
        set(CURLOPT_SSL_VERIFYPEER, 1)
        set(CURLOPT_SSL_VERIFYHOST, 2)
        if let caFile = settings.caFile { set(CURLOPT_CAINFO, caFile) }
        problems.append(shet_curl_setopt_pointer(easy, CURLOPT_HEADERDATA, me))
        problems.append(shet_curl_setopt_callback(easy, CURLOPT_HEADERFUNCTION, Transfer.headerCallback))
        problems.append(shet_curl_setopt_pointer(easy, CURLOPT_WRITEDATA, me))
        problems.append(shet_curl_setopt_callback(easy, CURLOPT_WRITEFUNCTION, Transfer.writeCallback))

        switch work {
        case .http(let request):
            set(CURLOPT_PROTOCOLS_STR, "http,https")
            set(CURLOPT_USERAGENT, settings.userAgent)
            set(CURLOPT_ACCEPT_ENCODING, "")
            if onChunk != nil {
                // A stream may run long: give up only when it stalls.
                set(CURLOPT_LOW_SPEED_LIMIT, 1)
                set(CURLOPT_LOW_SPEED_TIME, request.timeoutSeconds)
            } else {
                set(CURLOPT_TIMEOUT_MS, request.timeoutSeconds * 1000)
            }
            if request.followRedirects {
                set(CURLOPT_FOLLOWLOCATION, 1)
                set(CURLOPT_MAXREDIRS, 3)
                set(CURLOPT_REDIR_PROTOCOLS_STR, "https")
            }
            if let login = request.basicAuth {
                set(CURLOPT_HTTPAUTH, shet_curlauth_basic)
                set(CURLOPT_USERNAME, login.user)
                set(CURLOPT_PASSWORD, login.password)
            }
            switch request.method {
            case "GET": set(CURLOPT_HTTPGET, 1)
            case "HEAD": set(CURLOPT_NOBODY, 1)
            default:
                set(CURLOPT_CUSTOMREQUEST, request.method)
                if !request.body.isEmpty || request.method == "POST" {
                    set(CURLOPT_POSTFIELDSIZE_LARGE, request.body.count)
                    // COPYPOSTFIELDS copies the bytes, so the array may go.
                    let padded = request.body + [0]
                    problems.append(padded.withUnsafeBufferPointer {
                        shet_curl_setopt_pointer(easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: $0.baseAddress))
                    })
                }
            }
            // An empty `Expect:` stops libcurl waiting for `100 Continue` on bodies over 1 kB.
            let lines = request.headers.map { "\($0.name): \($0.value)" } + ["Expect:"]
            if let list = slist(lines) { problems.append(shet_curl_setopt_slist(easy, CURLOPT_HTTPHEADER, list)) }
        case .mail(let mail):
            set(CURLOPT_PROTOCOLS_STR, "smtp,smtps")
            set(CURLOPT_TIMEOUT_MS, mail.timeoutSeconds * 1000)
            set(CURLOPT_USE_SSL, Int(mail.server.security == .none ? CURLUSESSL_NONE.rawValue : CURLUSESSL_ALL.rawValue))
            if let login = mail.server.login {
                set(CURLOPT_USERNAME, login.user)
                set(CURLOPT_PASSWORD, login.password)
            }
            set(CURLOPT_MAIL_FROM, "<\(mail.from)>")
            if let list = slist(mail.recipients.map { "<\($0)>" }) {
                problems.append(shet_curl_setopt_slist(easy, CURLOPT_MAIL_RCPT, list))
            }
            set(CURLOPT_UPLOAD, 1)
            set(CURLOPT_INFILESIZE_LARGE, mail.message.count)
            problems.append(shet_curl_setopt_pointer(easy, CURLOPT_READDATA, me))
            problems.append(shet_curl_setopt_callback(easy, CURLOPT_READFUNCTION, Transfer.readCallback))
        }
        if let bad = problems.first(where: { $0 != CURLE_OK }) {
            return .failure(.invalidRequest("\(url): \(String(cString: curl_easy_strerror(bad)))"))
        }
        return .success(easy)
    }

    /// What ended the current try, as the caller sees it.
    func outcome(code: CURLcode) -> Result<OutboundResponse, OutboundError> {
        if let easy { status = Int(shet_curl_response_code(easy)) }
        if code == CURLE_OK {
            return .success(OutboundResponse(status: status, headers: headers, body: body, attempts: attempt))
        }
        let detail = errorBuffer[0] != 0 ? String(cString: errorBuffer) : String(cString: curl_easy_strerror(code))
        switch code {
        case CURLE_OPERATION_TIMEDOUT: return .failure(.timedOut(url: url, seconds: timeoutSeconds))
        case CURLE_WRITE_ERROR where overflowed: return .failure(.tooLarge(url: url, limit: maxResponseBytes))
        case CURLE_SSL_CONNECT_ERROR: return .failure(.handshakeFailed(url: url, detail: detail))
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
             CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_USE_SSL_FAILED, CURLE_SSL_ENGINE_NOTFOUND:
            return .failure(.tls(url: url, detail: detail))
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT: return .failure(.unreachable(url: url, detail: detail))
        case CURLE_LOGIN_DENIED, CURLE_AUTH_ERROR: return .failure(.loginDenied(url: url, detail: detail))
        case CURLE_SEND_ERROR where status >= 400, CURLE_RECV_ERROR where status >= 400:
            return .failure(.rejected(url: url, detail: detail))
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL: return .failure(.invalidRequest("\(url): \(detail)"))
        default:
            // SMTP replies (550 no such user, 554 refused) surface as a failed transfer with the reply code.
            if case .mail = work, status >= 400 { return .failure(.rejected(url: url, detail: detail)) }
            return .failure(.transport(url: url, detail: detail))
        }
    }

    func releaseHandle() {
        if let easy { curl_easy_cleanup(easy) }
        easy = nil
        for list in lists { curl_slist_free_all(list) }
        lists = []
    }

    private func slist(_ lines: [String]) -> UnsafeMutablePointer<curl_slist>? {
        var list: UnsafeMutablePointer<curl_slist>?
        for line in lines { list = curl_slist_append(list, line) }
        if let list { lists.append(list) }
        return list
    }

    // MARK: libcurl callbacks (on the outbound thread)

    private static let headerCallback: shet_curl_data_callback = { data, size, count, user in
        guard let data, let user else { return 0 }
        let transfer = Unmanaged<Transfer>.fromOpaque(user).takeUnretainedValue()
        let length = size * count
        let line = String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
        if line.hasPrefix("HTTP/") {
            // A new response (after a redirect or `100 Continue`): its headers replace the last one's.
            transfer.headers = []
        } else if let colon = line.firstIndex(of: ":"), transfer.headers.count < 200 {
            transfer.headers.append(OutboundHeader(String(line[..<colon]).trimmingSpaces(),
                                                   String(line[line.index(after: colon)...]).trimmingSpaces()))
        }
        return length
    }

    private static let writeCallback: shet_curl_data_callback = { data, size, count, user in
        guard let data, let user else { return 0 }
        let transfer = Unmanaged<Transfer>.fromOpaque(user).takeUnretainedValue()
        let length = size * count
        let bytes = UnsafeRawBufferPointer(start: data, count: length)
        if let easy = transfer.easy { transfer.status = Int(shet_curl_response_code(easy)) }
        // Only a success streams to the caller; an error body is kept (small) for the message.
        if let sink = transfer.onChunk, (200..<300).contains(transfer.status) {
            transfer.bodyDelivered = true
            sink(Array(bytes))
            return length
        }
        guard transfer.body.count + length <= transfer.maxResponseBytes else {
            transfer.overflowed = true
            return 0
        }
        transfer.body.append(contentsOf: bytes)
        return length
    }

    private static let readCallback: shet_curl_data_callback = { buffer, size, count, user in
        guard let buffer, let user else { return 0 }
        let transfer = Unmanaged<Transfer>.fromOpaque(user).takeUnretainedValue()
        guard case .mail(let mail) = transfer.work else { return 0 }
        let n = min(size * count, mail.message.count - transfer.uploadOffset)
        guard n > 0 else { return 0 }
        mail.message.withUnsafeBytes { source in
            UnsafeMutableRawPointer(buffer).copyMemory(from: source.baseAddress! + transfer.uploadOffset, byteCount: n)
        }
        transfer.uploadOffset += n
        return n
    }
}
