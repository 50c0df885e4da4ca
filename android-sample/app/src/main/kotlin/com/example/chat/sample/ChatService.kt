package com.example.chat.sample

import android.content.Context
import java.io.File
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.launch
import uniffi.chat_ffi.ChatClient
import uniffi.chat_ffi.ChatException
import uniffi.chat_ffi.ChatListener
import uniffi.chat_ffi.ListenerHandle
import com.google.firebase.FirebaseApp
import com.google.firebase.messaging.FirebaseMessaging
import uniffi.chat_protocol.PushPlatform
import uniffi.chat_sdk.ClientEvent
import uniffi.chat_sdk.Session

/** The signed-in user and their client (one cache file per user). */
data class SignedIn(val client: ChatClient, val session: Session, val username: String)

/**
 * Signs users in and out and keeps the session across app restarts. The SDK client
 * lives as long as the sign-in: its outbox and cache are in the user's own file, so a
 * message written offline is sent after the app is killed and started again.
 */
class ChatService(private val context: Context, private val serverUrl: String) {
    private val prefs = context.getSharedPreferences("chat-session", Context.MODE_PRIVATE)
    private val _signedIn = MutableStateFlow<SignedIn?>(null)
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.IO)
    private var renewals: ListenerHandle? = null

    /** Who is signed in, or null for the sign-in screen. */
    val signedIn: StateFlow<SignedIn?> = _signedIn.asStateFlow()

    /** The room a tapped notification asks to open, until the screens have opened it. */
    val roomToOpen = MutableStateFlow<String?>(null)

    /**
     * Resumes the stored session while its refresh token (or, without one, its access
     * token) is valid: the SDK renews an expired access token with the refresh token.
     */
    fun restore() {
        val username = prefs.getString("username", null) ?: return
        val session = Session(
            userId = prefs.getString("user_id", null) ?: return,
            token = prefs.getString("token", null) ?: return,
            expiresAt = prefs.getLong("expires_at", 0),
            refreshToken = prefs.getString("refresh_token", null),
            refreshExpiresAt = prefs.getLong("refresh_expires_at", 0).takeIf { it > 0 },
        )
        val validUntil = session.refreshExpiresAt ?: session.expiresAt
        if (validUntil <= System.currentTimeMillis()) return
        try {
            val client = ChatClient(serverUrl, databaseFile(username).path)
            client.setSession(session)
            keepRenewedSessions(client)
            client.connect()
            _signedIn.value = SignedIn(client, session, username)
            fetchPushToken()
        } catch (e: ChatException) {
            // Unusable (storage failed, bad configuration): sign in again rather than
            // fail on every launch.
            prefs.edit().clear().apply()
        }
    }

    /** Signs in (or creates the account); throws [ChatException] with the server's reason. */
    suspend fun signIn(username: String, password: String, register: Boolean) = signInWith(username) { client ->
        if (register) client.register(username, password) else client.login(username, password)
    }

    /** Sets a forgotten password with the reset code an admin gave the user, and signs in. */
    suspend fun resetPassword(username: String, resetCode: String, newPassword: String) =
        signInWith(username) { client -> client.resetPassword(resetCode, newPassword) }

    /** Opens [username]'s client and starts with the session [obtain] gets from it. */
    private suspend fun signInWith(username: String, obtain: suspend (ChatClient) -> Session) {
        val client = ChatClient(serverUrl, databaseFile(username).path)
        // How this phone shows in the user's list of sign-ins ("Your devices").
        client.setDeviceName("${android.os.Build.MANUFACTURER} ${android.os.Build.MODEL}")
        val session = try {
            obtain(client)
        } catch (e: ChatException) {
            client.shutdown()
            throw e
        }
        prefs.edit().putString("username", username).apply()
        store(session)
        keepRenewedSessions(client)
        client.connect()
        _signedIn.value = SignedIn(client, session, username)
        fetchPushToken()
    }

    /**
     * Registers FCM's registration token for the signed-in user (from
     * [ChatMessagingService.onNewToken], or [fetchPushToken] after a sign-in). The SDK
     * keeps it in the user's cache and registers it again after each sign-in; offline, it
     * waits for the next one.
     */
    fun registerPushToken(token: String) {
        val client = _signedIn.value?.client ?: return
        scope.launch {
            runCatching { client.registerPushToken(PushPlatform.FCM, token, context.packageName, null) }
        }
    }

    /** Asks FCM for the current token, when the app has a Firebase project configured. */
    private fun fetchPushToken() {
        if (FirebaseApp.getApps(context).isEmpty()) return
        FirebaseMessaging.getInstance().token.addOnSuccessListener(::registerPushToken)
    }

    /**
     * Keeps the stored session in step: each renewal uses up the old refresh token. The
     * listener is registered at once (before `connect`), so no renewal is missed.
     */
    private fun keepRenewedSessions(client: ChatClient) {
        renewals?.stop()
        renewals = client.listen(object : ChatListener {
            override fun onEvent(event: ClientEvent) {
                if (event is ClientEvent.SessionRenewed) store(event.session)
            }
        })
    }

    /** Stores the client's newest session (the SDK may have renewed it since). */
    fun saveCurrentSession() {
        _signedIn.value?.client?.currentSession()?.let(::store)
    }

    private fun store(session: Session) {
        prefs.edit()
            .putString("user_id", session.userId)
            .putString("token", session.token)
            .putLong("expires_at", session.expiresAt)
            .putString("refresh_token", session.refreshToken)
            .putLong("refresh_expires_at", session.refreshExpiresAt ?: 0)
            .apply()
    }

    /**
     * Signs out (on the server too, so the refresh token cannot be used again) and
     * removes the user's local messages from this device.
     */
    fun signOut() {
        val current = _signedIn.value ?: return
        val refreshToken = prefs.getString("refresh_token", null)
        forget(current) {
            // Best effort: offline, the refresh token simply expires.
            if (refreshToken != null) runCatching { current.client.signOut(refreshToken) }
        }
    }

    /**
     * Deletes the account on the server (with its password; `eraseMessages` deletes
     * every message the user sent), then forgets it here as [signOut] does. Throws
     * [ChatException] (a wrong password) and then changes nothing.
     */
    suspend fun deleteAccount(password: String?, eraseMessages: Boolean) {
        val current = _signedIn.value ?: return
        current.client.deleteAccount(password, eraseMessages)
        forget(current) {}
    }

    /** Drops the signed-in user from this device: session, client and database file. */
    private fun forget(current: SignedIn, onServer: suspend () -> Unit) {
        _signedIn.value = null
        renewals?.stop()
        prefs.edit().clear().apply()
        current.client.disconnect()
        scope.launch {
            onServer()
            current.client.shutdown()
            current.client.close() // releases the native client; its file is unlinked below
            val db = databaseFile(current.username)
            listOf(db, File(db.path + "-wal"), File(db.path + "-shm")).forEach { it.delete() }
        }
    }

    /** The OS reports a usable network: reconnect now rather than after the backoff. */
    fun networkAvailable() {
        _signedIn.value?.client?.notifyNetworkAvailable()
    }

    // Usernames are letters, digits and `_.-` (server rule), case-insensitive: safe as
    // a file name once lower-cased and filtered.
    private fun databaseFile(username: String): File {
        val name = username.lowercase().filter { it.isLetterOrDigit() || it in "_.-" }
        return File(context.filesDir, "chat-$name.db")
    }
}
