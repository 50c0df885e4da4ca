// A console chat session over the generated Kotlin bindings, run on the JVM against a
// real chat-server: the same Kotlin API the Android app uses. Prints "N passed, N failed".
//
// Usage: java ... MainKt <chat-server binary> <work dir>
// The program runs the server itself, so that it can kill and restart it.

import java.io.File
import java.net.ServerSocket
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.util.UUID
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit
import com.example.chat.kit.RoomList
import com.example.chat.kit.RoomTimeline
import com.example.chat.kit.connectionStates
import com.example.chat.kit.events
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.async
import kotlinx.coroutines.cancel
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeoutOrNull
import uniffi.chat_ffi.ChatClient
import uniffi.chat_ffi.ChatException
import uniffi.chat_ffi.ChatListener
import uniffi.chat_ffi.TokenProvider
import uniffi.chat_protocol.ErrorCode
import uniffi.chat_protocol.LeaveReason
import uniffi.chat_protocol.MemberRole
import uniffi.chat_protocol.PushPlatform
import uniffi.chat_protocol.MembershipChange
import uniffi.chat_protocol.WhoCanAdd
import uniffi.chat_protocol.ReceiptKind
import uniffi.chat_protocol.RoomVisibility
import uniffi.chat_sdk.ClientEvent
import uniffi.chat_sdk.ConnectionState
import uniffi.chat_sdk.MessageStatus
import uniffi.chat_sdk.NoticeChange
import uniffi.chat_sdk.Session

/** Collects events from the SDK thread; tests wait on it with a timeout. */
class Recorder : ChatListener {
    val events = LinkedBlockingQueue<ClientEvent>()
    override fun onEvent(event: ClientEvent) {
        events.put(event)
    }

    /** The first event matching [want] within [seconds], or null. */
    fun await(seconds: Long = 10, want: (ClientEvent) -> Boolean): ClientEvent? {
        val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds)
        while (true) {
            val left = deadline - System.nanoTime()
            if (left <= 0) return null
            val event = events.poll(left, TimeUnit.NANOSECONDS) ?: return null
            if (want(event)) return event
        }
    }
}

var passed = 0
var failed = 0

fun check(name: String, ok: Boolean) {
    if (ok) {
        passed++
        println("PASS $name")
    } else {
        failed++
        println("FAIL $name")
    }
}

/** A chat-server process on a fixed port and data directory, started and killed here. */
class Server(private val binary: String, val dir: String) {
    val port = ServerSocket(0).use { it.localPort }
    val url = "http://127.0.0.1:$port"
    private var process: Process? = null

    fun start() {
        process = ProcessBuilder(
            binary, "--listen", "127.0.0.1:$port",
            "--database-url", "sqlite://$dir/chat.db", "--data-dir", "$dir/data",
            "--admin-user", "root",
        ).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(File("$dir/server.log"))).start()
        val client = HttpClient.newHttpClient()
        repeat(200) {
            try {
                val ready = HttpRequest.newBuilder(URI.create("$url/readyz")).build()
                if (client.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) return
            } catch (e: java.io.IOException) {
                // not listening yet
            }
            Thread.sleep(50)
        }
        error("chat-server did not start")
    }

    /** SIGKILL: no goodbye. */
    fun kill() {
        process?.destroyForcibly()?.waitFor()
    }
}

fun main(args: Array<String>) = runBlocking {
    val server = Server(args[0], args[1])
    server.start()
    try {
        chat(server)
    } finally {
        server.kill()
    }
    println("$passed passed, $failed failed")
    if (failed > 0) kotlin.system.exitProcess(1)
}

suspend fun chat(server: Server) {
    val suffix = UUID.randomUUID().toString().take(8)
    val ann = ChatClient(server.url, null)
    val bob = ChatClient(server.url, null)
    val annEvents = Recorder()
    val bobEvents = Recorder()
    val annListening = ann.listen(annEvents)
    val bobListening = bob.listen(bobEvents)

    val annSession = ann.register("ann_$suffix", "correct horse battery")
    val bobSession = bob.register("bob_$suffix", "correct horse battery")
    check("register returns sessions", annSession.userId.isNotEmpty() && bobSession.userId != annSession.userId)

    val found = ann.findUser("BOB_$suffix")
    check("ann finds bob by name", found.userId == bobSession.userId && found.username == "bob_$suffix")
    val room = ann.createRoom("kotlin", RoomVisibility.PRIVATE, listOf(found.userId))
    check("members come with names",
        bob.members(room).map { it.username } == listOf("ann_$suffix", "bob_$suffix"))
    check("bob lists the room", bob.rooms().any { it.roomId == room })
    for (client in listOf(ann, bob)) {
        client.joinRoom(room)
        client.connect()
    }
    check("ann connects", annEvents.await { it is ClientEvent.Connection && it.state is ConnectionState.Connected } != null)
    check("bob connects", bobEvents.await { it is ClientEvent.Connection && it.state is ConnectionState.Connected } != null)
    // A message committed before a device's join reaches it through the history page, not
    // as a live Message event: wait until both have joined before chatting.
    check("ann joins the room", annEvents.await { it is ClientEvent.RoomJoined && it.roomId == room } != null)
    check("bob joins the room", bobEvents.await { it is ClientEvent.RoomJoined && it.roomId == room } != null)

    val echo = ann.sendMessage(room, "hello from kotlin")
    check("send returns a pending echo", echo.seq == null && echo.status == MessageStatus.Pending)
    val got = bobEvents.await { it is ClientEvent.Message && it.message.content == "hello from kotlin" } as ClientEvent.Message?
    check("bob receives ann's message", got != null && got.message.senderId == annSession.userId)

    bob.sendMessage(room, "hi from bob")
    check("ann receives bob's reply", annEvents.await { it is ClientEvent.Message && it.message.content == "hi from bob" } != null)

    ann.setTyping(room, true)
    val typing = bobEvents.await { it is ClientEvent.Typing && it.isTyping } as ClientEvent.Typing?
    check("bob sees ann typing", typing?.userId == annSession.userId)

    val seq = got?.message?.seq ?: 0uL
    bob.markRead(room, seq)
    val receipt = annEvents.await { it is ClientEvent.Receipt && it.kind == ReceiptKind.READ } as ClientEvent.Receipt?
    check("ann gets bob's read receipt", receipt?.userId == bobSession.userId && receipt.seq == seq)

    // A private room bob is not in: adding himself is refused with a typed exception.
    val secret = ann.createRoom("secret", RoomVisibility.PRIVATE, listOf())
    try {
        bob.addMember(secret, bobSession.userId)
        check("a forbidden room throws", false)
    } catch (e: ChatException.Server) {
        check("a forbidden room throws ChatException.Server(forbidden)", e.code == ErrorCode.FORBIDDEN)
    }

    // The server dies; ann writes anyway; the message arrives once it is back.
    server.kill()
    check("ann notices the server is gone",
        annEvents.await { it is ClientEvent.Connection && it.state is ConnectionState.Reconnecting } != null)
    val offline = ann.sendMessage(room, "sent while the server was down")
    check("the offline message is pending", offline.status == MessageStatus.Pending)
    server.start()
    check("bob receives it after the restart",
        bobEvents.await(30) { it is ClientEvent.Message && it.message.content == "sent while the server was down" } != null)
    check("ann sees it sent", annEvents.await(30) {
        it is ClientEvent.Status && it.clientMsgId == offline.clientMsgId && it.status == MessageStatus.Sent
    } != null)
    val annHistory = ann.messages(room, null, 50u).map { it.content }
    check("each message once, in order", annHistory == listOf("hello from kotlin", "hi from bob", "sent while the server was down"))

    // The same events as a Kotlin Flow: start collecting, then cause the event.
    val viaFlow = coroutineScope {
        val waiter = async {
            withTimeoutOrNull(10_000) {
                ann.events().first { it is ClientEvent.Message && it.message.content == "via flow" }
            }
        }
        delay(300) // let the collector subscribe
        bob.sendMessage(room, "via flow")
        waiter.await()
    }
    check("events arrive as a Flow", viaFlow != null)

    timelines(ann, bob, room, annSession.userId, "ann_$suffix")
    roomLists(ann, bob, room)
    richMessages(ann, bob, room, annSession.userId, bobEvents)
    attachments(ann, bob, room, annEvents, bobEvents, server.dir)
    profiles(ann, bob, room, annSession.userId, bobEvents)
    invites(ann, bob)
    savedMessages(ann, room, bobSession.userId, annEvents)
    dataExport(ann, annSession.userId, room)
    moderation(ann, bob, annSession, bobSession.userId, bobEvents, server.url)
    sessions(ann, bob, room, annSession, annEvents, "ann_$suffix", server.url)
    tokenProvider(server, bobSession)
    accountDeletion(server)

    annListening.stop()
    bobListening.stop()
    ann.shutdown()
    bob.shutdown()
}

/** Staying signed in: refresh tokens, renewal of the live connection, sign-out. */
suspend fun sessions(
    ann: ChatClient, bob: ChatClient, room: String, annSession: Session, annEvents: Recorder,
    annName: String, url: String,
) {
    val refresh = annSession.refreshToken
    check("the session carries a refresh token", refresh != null && annSession.refreshExpiresAt != null)
    val next = ann.refreshSession(refresh!!)
    check("a refresh gives the next session", next.userId == annSession.userId && next.refreshToken != refresh)
    // A fresh token on the live connection renews it: no reconnect, messages keep coming.
    ann.setSession(next)
    bob.sendMessage(room, "after the renewal")
    check("the renewed connection keeps receiving",
        annEvents.await { it is ClientEvent.Message && it.message.content == "after the renewal" } != null)
    check("without reconnecting", ann.connectionState() is ConnectionState.Connected)
    try {
        ann.setSession(next.copy(userId = "someone-else"))
        check("another user's session is refused", false)
    } catch (e: ChatException.OtherUser) {
        check("another user's session is refused: the client stays Ann's", e.owner == annSession.userId)
    }
    try {
        ann.refreshSession(refresh)
        check("a used refresh token is refused", false)
    } catch (e: ChatException.Server) {
        check("a used refresh token is refused as unauthorized", e.code == ErrorCode.UNAUTHORIZED)
    }
    check("the current session is the newest", ann.currentSession()?.refreshToken == next.refreshToken)

    // A password change keeps this device (on a new session) and signs ann's others out.
    val other = ChatClient(url, null)
    val otherEvents = Recorder()
    val otherListening = other.listen(otherEvents)
    other.login(annName, "correct horse battery")
    other.connect()
    check("ann's other device connects",
        otherEvents.await { it is ClientEvent.Connection && it.state is ConnectionState.Connected } != null)
    delay(1_100) // token times are whole seconds: the change comes in a later one
    try {
        ann.changePassword("not the password", "battery staple horse")
        check("a wrong current password is refused", false)
    } catch (e: ChatException.Server) {
        check("a wrong current password throws ChatException.Server(forbidden)", e.code == ErrorCode.FORBIDDEN)
    }
    val changed = ann.changePassword("correct horse battery", "battery staple horse")
    check("the password change hands over the new session",
        changed.userId == annSession.userId && ann.currentSession()?.token == changed.token)
    check("ann's other device has to sign in again",
        otherEvents.await { it is ClientEvent.Connection && it.state is ConnectionState.NeedsToken } != null)
    bob.sendMessage(room, "after the password change")
    check("this device keeps receiving",
        annEvents.await { it is ClientEvent.Message && it.message.content == "after the password change" } != null)
    otherListening.stop()
    other.shutdown()

    // Sign-ins: each device named by its app, listed; ending one signs that device out.
    val laptop = ChatClient(url, null)
    laptop.setDeviceName("Laptop")
    val laptopEvents = Recorder()
    val laptopListening = laptop.listen(laptopEvents)
    laptop.login(annName, "battery staple horse")
    laptop.connect()
    check("ann's laptop connects",
        laptopEvents.await { it is ClientEvent.Connection && it.state is ConnectionState.Connected } != null)
    val signIns = ann.signIns()
    val laptopSignIn = signIns.single { !it.current }
    check("the sign-ins list this device as current and the laptop by its name",
        signIns.size == 2 && laptopSignIn.deviceName == "Laptop" && laptopSignIn.lastActiveAt > 0)
    ann.endSignIn(laptopSignIn.id)
    check("ending the laptop's sign-in makes it sign in again",
        laptopEvents.await { it is ClientEvent.Connection && it.state is ConnectionState.NeedsToken } != null)
    try {
        ann.endSignIn(laptopSignIn.id)
        check("an ended sign-in cannot be ended again", false)
    } catch (e: ChatException.Server) {
        check("an ended sign-in throws ChatException.Server(notFound)", e.code == ErrorCode.NOT_FOUND)
    }
    check("no other sign-in is left to end", ann.endOtherSignIns() == 0u)
    laptopListening.stop()
    laptop.shutdown()

    ann.signOut(changed.refreshToken!!)
    check("signing out forgets the session", ann.currentSession() == null)
    check("signing out disconnects",
        annEvents.await { it is ClientEvent.Connection && it.state is ConnectionState.Disconnected } != null)

    // A forgotten password: a server admin's reset token, traded for a new one on a new device.
    val root = ChatClient(url, null)
    val rootSession = root.register("root", "correct horse battery")
    val granted = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("$url/v1/admin/users/${annSession.userId}/password-reset"))
            .header("Authorization", "Bearer ${rootSession.token}")
            .POST(HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString(),
    ).body()
    val resetToken = Regex("\"reset_token\":\"([0-9a-f]+)\"").find(granted)?.groupValues?.get(1) ?: ""
    val recovered = ChatClient(url, null)
    try {
        recovered.resetPassword("f".repeat(64), "forgotten no more")
        check("a made-up reset token is refused", false)
    } catch (e: ChatException.Server) {
        check("a made-up reset token throws ChatException.Server(unauthorized)", e.code == ErrorCode.UNAUTHORIZED)
    }
    val reset = recovered.resetPassword(resetToken, "forgotten no more")
    check("a reset token sets a new password and signs in",
        reset.userId == annSession.userId && recovered.currentSession()?.token == reset.token)
    recovered.shutdown()
    root.shutdown()
}

/** An app of another auth service: the SDK asks the app's provider (a suspend fun) for tokens. */
suspend fun tokenProvider(server: Server, bobSession: Session) {
    val provider = object : TokenProvider {
        @Volatile var asked = 0
        override suspend fun freshToken(): String? {
            asked += 1
            delay(50) // a suspending call to the auth service
            return bobSession.token
        }
    }
    val client = ChatClient(server.url, null)
    val events = Recorder()
    val listening = client.listen(events)
    client.setTokenProvider(provider)
    client.connect() // no session set: the token comes from the provider
    check("a client without a session connects with the provider's token",
        events.await { it is ClientEvent.Connection && it.state is ConnectionState.Connected } != null)
    check("the provider was asked", provider.asked >= 1)
    listening.stop()
    client.shutdown()
}

/** The state the Android chat screen renders, driven by real events. */
suspend fun timelines(ann: ChatClient, bob: ChatClient, room: String, annId: String, annName: String) {
    val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
    val timeline = RoomTimeline(bob, room, scope, typingTimeoutMillis = 60_000)
    val banner = scope.async { withTimeoutOrNull(10_000) { bob.connectionStates().first() } }
    check("the connection flow starts with the current state", banner.await() is ConnectionState.Connected)
    timeline.start()
    val history = listOf("hello from kotlin", "hi from bob", "sent while the server was down", "via flow")
    check("the timeline shows the cached history",
        awaitValue { timeline.messages.value.map { it.content } == history })
    check("the timeline knows the sender's name", awaitValue { timeline.memberNames.value[annId] == annName })

    ann.setTyping(room, true)
    check("the timeline shows ann typing", awaitValue { annId in timeline.typingUsers.value })
    ann.sendMessage(room, "typed and sent")
    check("her message ends her typing and appears",
        awaitValue { annId !in timeline.typingUsers.value && timeline.messages.value.last().content == "typed and sent" })

    timeline.send("  reply from the timeline  ")
    val mine = timeline.messages.value.lastOrNull()
    check("a send shows at once, trimmed", mine?.content == "reply from the timeline")
    check("and moves on from pending",
        awaitValue { timeline.messages.value.last().status != MessageStatus.Pending })
    timeline.send("   ")
    check("a blank draft is not sent", timeline.messages.value.size == history.size + 2)
    timeline.markRead()
    try {
        timeline.send("x".repeat(70 * 1024))
        check("an oversized message throws", false)
    } catch (e: ChatException.TooLarge) {
        check("an oversized message throws ChatException.TooLarge", e.maxBytes > 0uL)
    }
    timeline.close()
    scope.cancel()
}

/** The state the Android room list renders: a badge that bob's messages raise and ann's reading clears. */
suspend fun roomLists(ann: ChatClient, bob: ChatClient, room: String) {
    val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
    val list = RoomList(ann, scope)
    list.start()
    check("the room list shows the room", awaitValue { list.rooms.value.any { it.roomId == room } })
    // The list starts from the cache, which may not hold the room's newest event yet:
    // read up to the last seq the server knows, or the badge keeps what came after.
    list.refresh()
    val read = list.rooms.value.first { it.roomId == room }.lastSeq
    ann.markRead(room, read)
    check("reading clears its badge", awaitValue { list.rooms.value.first { it.roomId == room }.unreadCount == 0uL })
    bob.sendMessage(room, "for the list")
    bob.sendMessage(room, "and again")
    check("bob's messages raise the badge to two, with the last one shown",
        awaitValue {
            val entry = list.rooms.value.first { it.roomId == room }
            entry.unreadCount == 2uL && entry.lastMessage?.content == "and again"
        })
    check("the app icon's badge counts them", awaitValue { list.totalUnread() == 2uL })
    check("a refresh from the server agrees", run {
        list.refresh()
        list.rooms.value.first { it.roomId == room }.unreadCount == 2uL
    })
    // Muting (mentions still notify): the list says so, and the icon's badge leaves it out.
    ann.setMute(room, 4_102_444_800_000L, true)
    check("muting the room shows in the list and leaves the icon's badge",
        awaitValue { list.rooms.value.first { it.roomId == room }.muted && list.totalUnread() == 0uL })
    check("the list says until when, and that mentions still notify",
        list.rooms.value.first { it.roomId == room }.let {
            it.mutedUntil == 4_102_444_800_000L && it.notifyMentions == true
        })
    ann.setMute(room, 4_102_444_800_000L, false)
    check("silencing mentions too shows in the list",
        awaitValue { list.rooms.value.first { it.roomId == room }.notifyMentions == false })
    ann.setMute(room, null, true)
    check("unmuting counts it again", awaitValue {
        list.rooms.value.first { it.roomId == room }.let { !it.muted && it.mutedUntil == null }
    })
    placements(ann, list, room)
    unreadMarks(bob, list, room)
    list.close()
    scope.cancel()
}

/** Roles, settings and a kick: the notices reach bob's cache, and the kick ends his membership. */
suspend fun moderation(ann: ChatClient, bob: ChatClient, annSession: Session, bobId: String, bobEvents: Recorder, url: String) {
    val annId = annSession.userId
    val room = ann.createRoom("moderated", RoomVisibility.PRIVATE, listOf(bobId))
    check("the creator owns the room, the others are members",
        bob.members(room).map { it.role } == listOf(MemberRole.OWNER, MemberRole.MEMBER))
    bob.joinRoom(room)
    check("bob follows the moderated room", bobEvents.await { it is ClientEvent.RoomJoined && it.roomId == room } != null)
    val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
    val timeline = RoomTimeline(bob, room, scope)
    timeline.start()
    check("the timeline lists the members with their roles",
        awaitValue { timeline.members.value.map { it.role } == listOf(MemberRole.OWNER, MemberRole.MEMBER) })
    ann.setMemberRole(room, bobId, MemberRole.ADMIN)
    val promoted = bobEvents.await { it is ClientEvent.Notice && it.notice.roomId == room } as ClientEvent.Notice?
    val change = promoted?.notice?.change as NoticeChange.Member?
    check("bob hears he is an admin", change?.userId == bobId && change.change == MembershipChange.ROLE && change.role == MemberRole.ADMIN)
    check("his room details say so", bob.roomDetails(room).role == MemberRole.ADMIN)
    val updated = bob.updateRoom(room, null, "plans", WhoCanAdd.ADMINS)
    check("an admin changes the topic and who may add", updated.topic == "plans" && updated.whoCanAdd == WhoCanAdd.ADMINS)
    try {
        bob.removeMember(room, annId)
        check("an admin removing the owner throws", false)
    } catch (e: ChatException.Server) {
        check("an admin removing the owner throws ChatException.Server(forbidden)", e.code == ErrorCode.FORBIDDEN)
    }
    ann.removeMember(room, bobId)
    val ended = bobEvents.await { it is ClientEvent.MembershipEnded && it.roomId == room } as ClientEvent.MembershipEnded?
    check("the kick ends bob's membership", ended?.reason == LeaveReason.KICKED)
    check("the timeline shows the role and settings notices, then that bob's time is over",
        awaitValue { timeline.notices.value.size >= 2 && timeline.ended.value?.reason == LeaveReason.KICKED })
    timeline.close()
    scope.cancel()
    check("bob's cache keeps the story up to the kick",
        bob.notices(room, null, 10u).map { (it.change as? NoticeChange.Member)?.change }.filterNotNull() ==
            listOf(MembershipChange.ROLE, MembershipChange.KICKED))

    // Report and block from the message menu: bob's message in the main room.
    val shared = ann.createRoom("shared", RoomVisibility.PRIVATE, listOf(bobId))
    ann.joinRoom(shared)
    bob.joinRoom(shared)
    bob.sendMessage(shared, "report me")
    check("ann receives the message to report", awaitValue { ann.messages(shared, null, 10u).any { it.content == "report me" } })
    val target = ann.messages(shared, null, 10u).first { it.content == "report me" }
    val report = ann.report(shared, target.messageId, null, "abuse")
    check("a report keeps the message and names its sender",
        report.messageContent == "report me" && report.userId == bobId)
    // Ann's tablet, signed in as her and in the room, hears of her blocks live.
    val tablet = ChatClient(url, null)
    val tabletEvents = Recorder()
    val tabletListening = tablet.listen(tabletEvents)
    tablet.setSession(annSession)
    tablet.joinRoom(shared)
    tablet.connect()
    val tabletMarks = { tablet.messages(shared, null, 10u).firstOrNull { it.content == "report me" }?.senderBlocked }
    check("ann's tablet has bob's message", awaitValue { tabletMarks() == false })
    ann.blockUser(bobId)
    check("blocking marks the sender's messages",
        ann.messages(shared, null, 10u).first { it.content == "report me" }.senderBlocked)
    check("the block list names bob", ann.blockedUsers().map { it.userId } == listOf(bobId))
    check("ann's tablet is told of the block at once (BlocksChanged)",
        tabletEvents.await { it is ClientEvent.BlocksChanged } != null && tabletMarks() == true)
    ann.unblockUser(bobId)
    check("unblocking unmarks them", !ann.messages(shared, null, 10u).first { it.content == "report me" }.senderBlocked)
    check("and unmarks them on the tablet",
        tabletEvents.await { it is ClientEvent.BlocksChanged } != null && tabletMarks() == false)
    tabletListening.stop()
    tablet.shutdown()

    // Push: the install's FCM token, as FirebaseMessagingService.onNewToken hands it over.
    val device = ann.registerPushToken(PushPlatform.FCM, "console-fcm-token", "com.example.chat", null)
    check("the push token is registered", ann.pushDevices().map { it.deviceId } == listOf(device.deviceId))
    check("a device shows only the end of its token", device.tokenHint == "cm-token" && device.platform == PushPlatform.FCM)
    ann.unregisterPush()
    check("unregistering removes the device", ann.pushDevices().isEmpty())
    check("a server without Web Push has no VAPID key", ann.vapidPublicKey() == null)
}

/** A user deletes their account: the client forgets it, and the name is free again. */
suspend fun accountDeletion(server: Server) {
    val suffix = UUID.randomUUID().toString().take(8)
    val carol = ChatClient(server.url, null)
    carol.register("carol_$suffix", "correct horse battery")
    try {
        carol.deleteAccount(null, false)
        check("deleting without the password throws", false)
    } catch (e: ChatException.Server) {
        check("deleting without the password throws ChatException.Server(forbidden)", e.code == ErrorCode.FORBIDDEN)
    }
    carol.deleteAccount("correct horse battery", true)
    check("a deleted account is signed out", carol.currentSession() == null)
    val again = ChatClient(server.url, null)
    check("its name is free again", again.register("carol_$suffix", "another good password").userId.isNotEmpty())
    carol.shutdown()
    again.shutdown()
}

/** Polls [condition] for up to ten seconds. */
suspend fun awaitValue(condition: () -> Boolean): Boolean {
    repeat(200) {
        if (condition()) return true
        delay(50)
    }
    return condition()
}
