import Foundation

/// One API request as `/api/status` and `/api/get` describe it (`RequestPayload`).
public struct SkyPilotRequest: Sendable, Hashable, Decodable {
    /// PENDING, WAITING, RUNNING, SUCCEEDED, FAILED, CANCELLED.
    public var requestID: String
    public var name: String
    public var status: String
    /// `/api/status` sends it as JSON text; `/api/get` as a base64 pickle (useless to us).
    public var requestBody: String?
    /// JSON text (double-encoded); only `/api/get` fills it.
    public var returnValue: String?
    /// JSON text `{"type","message","object"}` or `"null"`; only `/api/get` fills it.
    public var error: String?

    enum CodingKeys: String, CodingKey {
        case requestID = "request_id", name, status, requestBody = "request_body", returnValue = "return_value", error
    }

    public var isFinished: Bool { ["SUCCEEDED", "FAILED", "CANCELLED"].contains(status) }

    /// The decoded `return_value` (parsed a second time), or nil for `"null"`.
    func decodedReturnValue<T: Decodable>(_ type: T.Type) throws -> T? {
        guard let text = returnValue, text != "null" else { return nil }
        return try JSONDecoder().decode(T.self, from: Data(text.utf8))
    }

    /// `(type, message)` from the `error` JSON text, ANSI codes stripped.
    var decodedError: (type: String, message: String)? {
        guard let text = error, text != "null",
              let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        else { return nil }
        let type = object["type"] as? String ?? ""
        let message = object["message"] as? String ?? text
        return (type, ANSI.strip(message))
    }

    /// The `name` field of a `/api/status` launch request's JSON body.
    var bodyName: String? {
        guard let text = requestBody,
              let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        else { return nil }
        return object["name"] as? String
    }
}
