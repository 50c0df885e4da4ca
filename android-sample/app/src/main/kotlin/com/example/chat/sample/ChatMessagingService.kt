package com.example.chat.sample

import android.Manifest
import android.app.NotificationChannel
import android.app.NotificationManager
import android.app.PendingIntent
import android.content.Context
import android.content.Intent
import android.content.pm.PackageManager
import android.os.Build
import androidx.core.app.NotificationCompat
import androidx.core.app.NotificationManagerCompat
import androidx.core.content.ContextCompat
import com.google.firebase.messaging.FirebaseMessagingService
import com.google.firebase.messaging.RemoteMessage

/**
 * FCM's entry point in the app. A new registration token goes to the SDK, which
 * registers it for the signed-in user (and again after each sign-in). A push that
 * arrives while the app is in the foreground is shown here; in the background, the
 * system shows the server's `notification` block itself, on [CHANNEL].
 */
class ChatMessagingService : FirebaseMessagingService() {
    override fun onNewToken(token: String) {
        (application as ChatApplication).chat.registerPushToken(token)
    }

    override fun onMessageReceived(message: RemoteMessage) {
        val title = message.notification?.title ?: return
        val roomId = message.data["room_id"] ?: return
        showMessageNotification(this, roomId, title, message.notification?.body.orEmpty())
    }

    companion object {
        /** The channel of message notifications (named in the manifest as FCM's default). */
        const val CHANNEL = "messages"

        /** The intent extra naming the room a tapped notification opens. */
        const val EXTRA_ROOM_ID = "room_id"

        /** Creates the channel (Android 8+ shows nothing on a channel that does not exist). */
        fun createChannel(context: Context) {
            val channel = NotificationChannel(
                CHANNEL,
                context.getString(R.string.notification_channel_messages),
                NotificationManager.IMPORTANCE_HIGH,
            )
            context.getSystemService(NotificationManager::class.java).createNotificationChannel(channel)
        }

        /** One notification per room (a newer message replaces it), opening the room. */
        fun showMessageNotification(context: Context, roomId: String, title: String, body: String) {
            // Before Android 13 there is no such permission: the app-wide switch decides.
            val granted = Build.VERSION.SDK_INT < Build.VERSION_CODES.TIRAMISU ||
                ContextCompat.checkSelfPermission(context, Manifest.permission.POST_NOTIFICATIONS) ==
                PackageManager.PERMISSION_GRANTED
            val manager = NotificationManagerCompat.from(context)
            if (!granted || !manager.areNotificationsEnabled()) return
            val open = Intent(context, MainActivity::class.java)
                .putExtra(EXTRA_ROOM_ID, roomId)
                // SINGLE_TOP: a running MainActivity gets it in onNewIntent, not recreated.
                .addFlags(Intent.FLAG_ACTIVITY_NEW_TASK or Intent.FLAG_ACTIVITY_CLEAR_TOP or Intent.FLAG_ACTIVITY_SINGLE_TOP)
            val tap = PendingIntent.getActivity(
                context,
                roomId.hashCode(),
                open,
                PendingIntent.FLAG_UPDATE_CURRENT or PendingIntent.FLAG_IMMUTABLE,
            )
            val notification = NotificationCompat.Builder(context, CHANNEL)
                .setSmallIcon(android.R.drawable.stat_notify_chat)
                .setContentTitle(title)
                .setContentText(body)
                .setAutoCancel(true)
                .setContentIntent(tap)
                .build()
            manager.notify(roomId, 0, notification)
        }
    }
}
