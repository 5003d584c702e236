import Foundation
import HTTP1
import RPC

/// An HTTP method SkyPilot's API uses.
enum HTTPMethod: String, Sendable {
    case GET, POST
}

/// One buffered HTTP answer.
struct HTTPReply: Sendable {
    var status: Int
    var headers: [HTTP1Header]
    var data: Data

    /// The body's `detail` (string, or JSON text of an object), `message`, or the body itself.
    var detail: String {
        if let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) {
            if let dict = object as? [String: Any] {
                for key in ["detail", "message", "error"] {
                    if let text = dict[key] as? String { return ANSI.strip(text) }
                    if let value = dict[key], JSONSerialization.isValidJSONObject(value),
                       let json = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]) {
                        return String(decoding: json.prefix(2000), as: UTF8.self)
                    }
                }
            }
            if let text = object as? String { return ANSI.strip(text) }
        }
        return ANSI.strip(String(decoding: data.prefix(2000), as: UTF8.self))
    }
}

/// How a call may be repeated after a failure.
enum RetryPolicy: Sendable {
    /// Safe to repeat: retry network errors, timeouts and 503s for the retry window.
    case idempotent
    /// Must not run twice: retry only failures that prove the server never got it.
    case onlyIfNotSent
    /// `/api/get`: our own timeout ends the long-poll (`LongPollExpired`); network errors retry.
    case longPoll
    /// One attempt: a caller waiting for an answer now (RunJob's health check).
    case once
}

/// The long-poll limit passed; the request is still running on the server.
struct LongPollExpired: Error {}

extension SkyPilotClient {
    func send(_ method: HTTPMethod, _ path: String, query: [(String, String)] = [], body: (some Encodable & Sendable)? = nil as Never?,
              timeout: Duration? = nil, retry: RetryPolicy) async throws -> HTTPReply {
        let request = try makeRequest(method, path, query: query, body: body)
        let timeout = timeout ?? configuration.requestTimeout
        var backoff = Backoff(min: configuration.retryBackoffMin, max: configuration.retryBackoffMax)
        let giveUp = ContinuousClock.now + configuration.retryWindow
        while true {
            let failure: String
            do {
                let response = try await http().execute(request, to: endpoint, timeout: timeout)
                let body = try await response.body.collect(upTo: 64 << 20)
                let reply = HTTPReply(status: response.status, headers: response.headers, data: Data(body))
                guard reply.status == 503 else { return reply }
                SkyPilotMetrics.requestFailed()
                failure = "503 \(reply.detail)"
            } catch let error as HTTP1ClientError {
                SkyPilotMetrics.requestFailed()
                try rethrowUnlessRetryable(error, path: path)
                if case .longPoll = retry, error.kind == .timedOut { throw LongPollExpired() }
                if case .onlyIfNotSent = retry, error.requestMayHaveBeenSent {
                    throw SkyPilotError.responseLost(path: path, detail: error.description)
                }
                failure = error.description
            }
            let wait = backoff.next()
            if case .once = retry {
                throw SkyPilotError.unreachable(endpoint: configuration.endpoint.absoluteString, detail: failure)
            }
            guard ContinuousClock.now + wait < giveUp else {
                throw SkyPilotError.unreachable(endpoint: configuration.endpoint.absoluteString, detail: failure)
            }
            logger.debug("SkyPilot \(method) \(path) failed (\(failure)); retrying in \(wait)")
            try await Task.sleep(for: wait)
        }
    }

    /// Streams a chunked response line by line (control payloads dropped, ANSI stripped). A stream
    /// that stays silent for `logIdleTimeout` is ended with `unreachable`.
    func stream(_ method: HTTPMethod, _ path: String, query: [(String, String)] = [],
                body: (some Encodable & Sendable)? = nil as Never?,
                onLine: @escaping @Sendable (String) async throws -> Void) async throws {
        let request = try makeRequest(method, path, query: query, body: body)
        var backoff = Backoff(min: configuration.retryBackoffMin, max: configuration.retryBackoffMax)
        let giveUp = ContinuousClock.now + configuration.retryWindow
        var response: HTTP1Response
        while true {
            do {
                response = try await http().execute(request, to: endpoint, timeout: configuration.logStreamMaxDuration)
                if response.status != 503 { break }
                SkyPilotMetrics.requestFailed()
            } catch let error as HTTP1ClientError {
                SkyPilotMetrics.requestFailed()
                try rethrowUnlessRetryable(error, path: path)
                // Not connected yet: nothing was streamed, so a retry cannot repeat lines.
                if error.requestMayHaveBeenSent { throw error }
            }
            let wait = backoff.next()
            guard ContinuousClock.now + wait < giveUp else {
                throw SkyPilotError.unreachable(endpoint: configuration.endpoint.absoluteString, detail: "\(path) not answered")
            }
            try await Task.sleep(for: wait)
        }
        guard response.status == 200 else {
            let bytes = try await response.body.collect(upTo: 1 << 20)
            let reply = HTTPReply(status: response.status, headers: response.headers, data: Data(bytes))
            if reply.status == 404 { throw SkyPilotError.requestNotFound(requestID: query.first?.1 ?? path) }
            throw SkyPilotError.httpStatus(code: reply.status, path: path, detail: reply.detail)
        }
        let body = response.body
        let lastByte = Locked(ContinuousClock.now)
        let idleLimit = configuration.logIdleTimeout
        let endpoint = configuration.endpoint.absoluteString
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                var splitter = LogLineSplitter()
                for try await chunk in body {
                    lastByte.withLock { $0 = ContinuousClock.now }
                    for line in splitter.feed(chunk) {
                        if let text = SkyPayload.logText(of: line) { try await onLine(ANSI.strip(text)) }
                    }
                }
                for line in splitter.finish() {
                    if let text = SkyPayload.logText(of: line) { try await onLine(ANSI.strip(text)) }
                }
            }
            group.addTask {
                while true {
                    try await Task.sleep(for: min(idleLimit / 4, .seconds(1)))
                    let idle = ContinuousClock.now - lastByte.withLock { $0 }
                    if idle > idleLimit {
                        throw SkyPilotError.unreachable(endpoint: endpoint, detail: "\(path) silent for \(idle)")
                    }
                }
            }
            try await group.next()
            group.cancelAll()
        }
    }

    private func makeRequest(_ method: HTTPMethod, _ path: String, query: [(String, String)],
                             body: (some Encodable)?) throws -> HTTP1Request {
        var components = URLComponents(url: configuration.endpoint, resolvingAgainstBaseURL: false)
        let base = components?.path ?? ""
        components?.path = (base.hasSuffix("/") ? String(base.dropLast()) : base) + path
        if !query.isEmpty { components?.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) } }
        guard let target = components?.percentEncodedPath, !target.isEmpty else {
            throw SkyPilotError.malformedResponse(path: path, detail: "cannot build a URL from \(configuration.endpoint)")
        }
        var request = HTTP1Request(method: method.rawValue,
                                   target: target + (components?.percentEncodedQuery.map { "?" + $0 } ?? ""))
        request.headers.append(HTTP1Header(name: "X-SkyPilot-API-Version", value: String(configuration.clientAPIVersion)))
        request.headers.append(HTTP1Header(name: "X-SkyPilot-Version", value: configuration.clientVersion))
        request.headers.append(HTTP1Header(name: "User-Agent", value: "jobletd-skypilot/\(configuration.clientVersion)"))
        switch configuration.authentication {
        case .none: break
        case .bearer(let token): request.headers.append(HTTP1Header(name: "Authorization", value: "Bearer \(token)"))
        case .basic(let user, let password):
            request.headers.append(HTTP1Header(name: "Authorization", value: "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()))
        }
        if let body {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            request.headers.append(HTTP1Header(name: "Content-Type", value: "application/json"))
            request.body = Array(try encoder.encode(body))
        }
        return request
    }

    /// Connection failures and timeouts are retried; a failed TLS handshake (a certificate that
    /// does not verify, no common protocol) or a malformed answer would only fail again.
    private func rethrowUnlessRetryable(_ error: HTTP1ClientError, path: String) throws {
        switch error.kind {
        case .connect, .timedOut, .connection:
            return
        case .tls:
            throw SkyPilotError.unreachable(endpoint: configuration.endpoint.absoluteString, detail: error.description)
        case .protocolViolation, .bodyTooLarge:
            throw SkyPilotError.malformedResponse(path: path, detail: error.description)
        }
    }
}
