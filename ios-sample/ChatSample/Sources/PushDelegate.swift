// Remote notifications: the app delegate part of them (SwiftUI has no other way to get
// APNs' device token), and how a notification behaves when the app is open or tapped.

import UIKit
import UserNotifications

/// Receives the APNs device token and notification taps; `AppModel` registers the token
/// for the signed-in user and opens the tapped room.
final class PushDelegate: NSObject, UIApplicationDelegate, UNUserNotificationCenterDelegate {
    /// Called with each device token (hex), on the main actor.
    static var onDeviceToken: ((String) -> Void)?
    /// Called with the room of a tapped notification, on the main actor; a tap that
    /// launched the app may come before anyone listens, so it waits in `pendingRoom`.
    static var onOpenRoom: ((String) -> Void)? {
        didSet {
            if let room = pendingRoom, let onOpenRoom {
                pendingRoom = nil
                onOpenRoom(room)
            }
        }
    }
    private static var pendingRoom: String?

    func application(
        _ application: UIApplication,
        didFinishLaunchingWithOptions launchOptions: [UIApplication.LaunchOptionsKey: Any]? = nil
    ) -> Bool {
        UNUserNotificationCenter.current().delegate = self
        return true
    }

    /// APNs gives the token at every launch that asks for it, and a new one after a
    /// restore or reinstall: the SDK keeps it and replaces the old device on the server.
    func application(_ application: UIApplication, didRegisterForRemoteNotificationsWithDeviceToken deviceToken: Data) {
        let hex = deviceToken.map { String(format: "%02x", $0) }.joined()
        Task { @MainActor in Self.onDeviceToken?(hex) }
    }

    func application(_ application: UIApplication, didFailToRegisterForRemoteNotificationsWithError error: Error) {
        // The simulator before Xcode 14, or no push entitlement: chat works without pushes.
        NSLog("remote notifications unavailable: %@", error.localizedDescription)
    }

    /// The server pushes only to users with no connection, so a push with the app open
    /// is one that raced a reconnect: show it in the list without a banner.
    func userNotificationCenter(
        _ center: UNUserNotificationCenter,
        willPresent notification: UNNotification
    ) async -> UNNotificationPresentationOptions {
        [.list]
    }

    func userNotificationCenter(_ center: UNUserNotificationCenter, didReceive response: UNNotificationResponse) async {
        guard let room = response.notification.request.content.userInfo["room_id"] as? String else { return }
        await MainActor.run {
            if let onOpenRoom = Self.onOpenRoom {
                onOpenRoom(room)
            } else {
                Self.pendingRoom = room
            }
        }
    }
}
