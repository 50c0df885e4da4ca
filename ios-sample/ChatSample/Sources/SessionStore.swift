import ChatKit
import Foundation
import Security

/// What is kept between launches: who is signed in, their token, and the refresh token
/// the SDK renews the session with.
struct StoredSession: Codable {
    let username: String
    let userId: String
    let token: String
    let expiresAt: Int64
    let refreshToken: String?
    let refreshExpiresAt: Int64?

    init(username: String, session: Session) {
        self.username = username
        userId = session.userId
        token = session.token
        expiresAt = session.expiresAt
        refreshToken = session.refreshToken
        refreshExpiresAt = session.refreshExpiresAt
    }

    var session: Session {
        Session(
            userId: userId, token: token, expiresAt: expiresAt,
            refreshToken: refreshToken, refreshExpiresAt: refreshExpiresAt
        )
    }

    /// Until when the session can be resumed: the SDK renews an expired access token
    /// with a valid refresh token.
    var validUntil: Int64 { refreshExpiresAt ?? expiresAt }
}

/// The session in the Keychain (a token is a credential: not in UserDefaults), readable
/// after the first unlock since boot (so a pre-warmed launch finds it) and never moved
/// to another device.
struct SessionStore {
    private let query: [String: Any] = [
        kSecClass as String: kSecClassGenericPassword,
        kSecAttrService as String: "com.example.chat.session",
        kSecAttrAccount as String: "current",
    ]

    func save(_ stored: StoredSession) {
        guard let data = try? JSONEncoder().encode(stored) else { return }
        clear()
        var item = query
        item[kSecValueData as String] = data
        item[kSecAttrAccessible as String] = kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly
        SecItemAdd(item as CFDictionary, nil)
    }

    func load() -> StoredSession? {
        var search = query
        search[kSecReturnData as String] = true
        search[kSecMatchLimit as String] = kSecMatchLimitOne
        var result: AnyObject?
        guard SecItemCopyMatching(search as CFDictionary, &result) == errSecSuccess,
              let data = result as? Data
        else { return nil }
        return try? JSONDecoder().decode(StoredSession.self, from: data)
    }

    func clear() {
        SecItemDelete(query as CFDictionary)
    }
}
