import ChatKit
import Foundation
import UIKit
import UserNotifications

/// The signed-in user and their client (one cache file per user).
struct SignedIn {
    let client: ChatClient
    let session: Session
    let username: String
}

/// Signs users in and out, keeps the session in the Keychain across launches, and
/// publishes the connection state for the offline banner. The SDK client lives as long
/// as the sign-in: its outbox and cache are in the user's own file, so a message written
/// offline is sent after the app is killed and started again.
@MainActor
final class AppModel: ObservableObject {
    @Published private(set) var signedIn: SignedIn?
    @Published private(set) var connection: ConnectionState = .disconnected
    /// The room a tapped notification asks to open (the room list navigates to it).
    @Published var roomToOpen: String?

    static var configuredServerURL: String {
        Bundle.main.object(forInfoDictionaryKey: "ChatServerURL") as? String ?? "http://localhost:8080"
    }

    private let serverURL: String
    private let sessions = SessionStore()
    private var network: NetworkMonitor?
    private var watching: Task<Void, Never>?
    private var renewals: Task<Void, Never>?

    init(serverURL: String) {
        self.serverURL = serverURL
        PushDelegate.onDeviceToken = { [weak self] token in self?.registerPushToken(token) }
        PushDelegate.onOpenRoom = { [weak self] room in self?.roomToOpen = room }
        network = NetworkMonitor { [weak self] in
            Task { @MainActor in self?.networkAvailable() }
        }
        restore()
    }

    /// Signs in (or creates the account); throws `ChatError` with the server's reason.
    func signIn(username: String, password: String, register: Bool) async throws {
        try await signIn(username: username) { client in
            if register {
                return try await client.register(username: username, password: password)
            }
            return try await client.login(username: username, password: password)
        }
    }

    /// Sets a forgotten password with the reset code an admin gave the user, and signs in.
    func resetPassword(username: String, resetCode: String, newPassword: String) async throws {
        try await signIn(username: username) { client in
            try await client.resetPassword(resetToken: resetCode, newPassword: newPassword)
        }
    }

    /// Opens `username`'s client and starts with the session `obtain` gets from it.
    private func signIn(username: String, obtain: (ChatClient) async throws -> Session) async throws {
        let client = try ChatClient(serverUrl: serverURL, databasePath: try databasePath(for: username))
        // How this phone shows in the user's list of sign-ins ("Your devices").
        client.setDeviceName(name: UIDevice.current.name)
        let session: Session
        do {
            session = try await obtain(client)
        } catch {
            client.shutdown()
            throw error
        }
        sessions.save(StoredSession(username: username, session: session))
        use(SignedIn(client: client, session: session, username: username))
        try client.connect()
        enablePushNotifications()
    }

    /// Signs out (on the server too, so the refresh token cannot be used again) and
    /// removes the user's local messages from this device.
    func signOut() {
        guard let current = signedIn else { return }
        let refreshToken = sessions.load()?.refreshToken
        forget(current) {
            // Best effort: offline, the refresh token simply expires.
            if let refreshToken {
                try? await current.client.signOut(refreshToken: refreshToken)
            }
        }
    }

    /// Deletes the account on the server (with its password; `eraseMessages` deletes
    /// every message the user sent), then forgets it here as `signOut()` does. Throws
    /// (a wrong password), and then nothing changed.
    func deleteAccount(password: String?, eraseMessages: Bool) async throws {
        guard let current = signedIn else { return }
        try await current.client.deleteAccount(password: password, eraseMessages: eraseMessages)
        forget(current) {}
    }

    /// Drops the signed-in user from this device: session, client and database file.
    private func forget(_ current: SignedIn, onServer: @escaping () async -> Void) {
        use(nil)
        sessions.clear()
        try? current.client.disconnect()
        let path = try? databasePath(for: current.username)
        Task {
            await onServer()
            current.client.shutdown()
            if let path {
                for suffix in ["", "-wal", "-shm"] {
                    try? FileManager.default.removeItem(atPath: path + suffix)
                }
            }
        }
    }

    /// Going to the background: store the newest session, in case a renewal event was
    /// not handled before the app was suspended.
    func enteredBackground() {
        guard let user = signedIn, let session = user.client.currentSession() else { return }
        sessions.save(StoredSession(username: user.username, session: session))
    }

    /// Asks for permission to notify (once; iOS remembers the answer), then for a device
    /// token, which arrives in `registerPushToken`. Called after each sign-in.
    func enablePushNotifications() {
        Task {
            let granted = (try? await UNUserNotificationCenter.current()
                .requestAuthorization(options: [.alert, .badge, .sound])) ?? false
            if granted {
                UIApplication.shared.registerForRemoteNotifications()
            }
        }
    }

    /// Registers APNs' device token for the signed-in user. Development builds get
    /// sandbox tokens, which only Apple's sandbox gateway takes.
    private func registerPushToken(_ token: String) {
        guard let client = signedIn?.client else { return }
        #if DEBUG
        let environment = PushEnvironment.sandbox
        #else
        let environment = PushEnvironment.production
        #endif
        Task {
            // Offline, the SDK keeps it and registers it at the next sign-in.
            _ = try? await client.registerPushToken(
                platform: .apns, token: token, appId: Bundle.main.bundleIdentifier, environment: environment)
        }
    }

    /// The system reports a usable network, or the app is back in the foreground.
    func networkAvailable() {
        try? signedIn?.client.notifyNetworkAvailable()
    }

    private func restore() {
        guard let stored = sessions.load(),
              stored.validUntil > Int64(Date().timeIntervalSince1970 * 1000),
              let path = try? databasePath(for: stored.username),
              let client = try? ChatClient(serverUrl: serverURL, databasePath: path)
        else { return }
        try? client.setSession(session: stored.session)
        // Listening before connecting: a renewal right after the start (an access token
        // that expired while the app was closed) must not be missed.
        use(SignedIn(client: client, session: stored.session, username: stored.username))
        try? client.connect()
        enablePushNotifications()
    }

    private func use(_ user: SignedIn?) {
        watching?.cancel()
        renewals?.cancel()
        signedIn = user
        connection = user?.client.connectionState() ?? .disconnected
        guard let user else { return }
        let states = user.client.connectionStates()
        watching = Task { [weak self] in
            for await state in states {
                self?.connection = state
            }
        }
        // Each renewal uses up the stored refresh token: keep the new session instead.
        let events = user.client.events()
        let sessions = self.sessions
        renewals = Task {
            for await event in events {
                if case .sessionRenewed(let session) = event {
                    sessions.save(StoredSession(username: user.username, session: session))
                }
            }
        }
    }

    // Usernames are letters, digits and `_.-` (server rule), case-insensitive: safe as a
    // file name once lower-cased and filtered. Application Support is backed up and
    // never purged by the system, unlike Caches.
    private func databasePath(for username: String) throws -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789_.-")
        let name = String(username.lowercased().filter { allowed.contains($0) })
        let folder = try FileManager.default.url(
            for: .applicationSupportDirectory, in: .userDomainMask, appropriateFor: nil, create: true)
        return folder.appendingPathComponent("chat-\(name).db").path
    }
}
