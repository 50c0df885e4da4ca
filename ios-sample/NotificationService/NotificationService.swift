// The Notification Service Extension: iOS runs it for every push the server sends with
// `mutable-content: 1`, before showing it, for up to about 30 seconds.

import UserNotifications

/// Groups a room's notifications into one thread, and is where an app whose server keeps
/// message text out of pushes (no `--notify-include-content`) would put the text in:
/// the push carries `room_id`, `message_id` and `seq`, enough to read the message from
/// the SDK's cache in a shared app group container, or from the server with the stored
/// session. Whatever happens, the content handler is called: a push is always shown.
final class NotificationService: UNNotificationServiceExtension {
    private var contentHandler: ((UNNotificationContent) -> Void)?
    private var bestAttempt: UNMutableNotificationContent?

    override func didReceive(
        _ request: UNNotificationRequest,
        withContentHandler contentHandler: @escaping (UNNotificationContent) -> Void
    ) {
        self.contentHandler = contentHandler
        guard let content = request.content.mutableCopy() as? UNMutableNotificationContent else {
            contentHandler(request.content)
            return
        }
        bestAttempt = content
        if let room = content.userInfo["room_id"] as? String {
            content.threadIdentifier = room
        }
        // Time-sensitive needs the app's time-sensitive entitlement (project.yml).
        if (content.userInfo["mentioned"] as? String) == "true" {
            content.interruptionLevel = .timeSensitive
        }
        contentHandler(content)
    }

    /// Out of time: show what there is.
    override func serviceExtensionTimeWillExpire() {
        if let contentHandler, let bestAttempt {
            contentHandler(bestAttempt)
        }
    }
}
