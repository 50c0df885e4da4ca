// A console chat session over the generated Kotlin bindings, run on the JVM against a
// real chat-server: the same Kotlin API the Android app uses. Prints "N passed, N failed".
//
// Usage: java ... MainKt <server-url>

import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.util.UUID
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.runBlocking
import uniffi.chat_ffi.ChatClient
import uniffi.chat_ffi.ChatException
import uniffi.chat_ffi.ChatListener
import uniffi.chat_ffi.ConnectionState
import uniffi.chat_ffi.Event

/** Collects events from the SDK thread; tests wait on it with a timeout. */
class Recorder : ChatListener {
    val events = LinkedBlockingQueue<Event>()
    override fun onEvent(event: Event) {
        events.put(event)
    }

    /** The first event matching [want] within [seconds], or null. */
    fun await(seconds: Long = 10, want: (Event) -> Boolean): Event? {
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

fun createRoom(server: String, token: String, members: List<String>): String {
    val body = """{"name":"kotlin","visibility":"private","members":[${members.joinToString(",") { "\"$it\"" }}]}"""
    val request = HttpRequest.newBuilder(URI.create("$server/v1/rooms"))
        .header("authorization", "Bearer $token")
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build()
    val response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString())
    return Regex("\"room_id\":\"([^\"]+)\"").find(response.body())!!.groupValues[1]
}

fun main(args: Array<String>) = runBlocking {
    val server = args[0]
    val suffix = UUID.randomUUID().toString().take(8)
    val ann = ChatClient(server, null)
    val bob = ChatClient(server, null)
    val annEvents = Recorder()
    val bobEvents = Recorder()
    val annListening = ann.listen(annEvents)
    val bobListening = bob.listen(bobEvents)

    val annSession = ann.register("ann_$suffix", "correct horse battery")
    val bobSession = bob.register("bob_$suffix", "correct horse battery")
    check("register returns sessions", annSession.userId.isNotEmpty() && bobSession.userId != annSession.userId)

    val room = createRoom(server, annSession.token, listOf(bobSession.userId))
    for (client in listOf(ann, bob)) {
        client.joinRoom(room)
        client.connect()
    }
    check("ann connects", annEvents.await { it is Event.Connection && it.state is ConnectionState.Connected } != null)
    check("bob connects", bobEvents.await { it is Event.Connection && it.state is ConnectionState.Connected } != null)

    val echo = ann.sendMessage(room, "hello from kotlin")
    check("send returns a pending echo", echo.seq == null && echo.content == "hello from kotlin")
    val got = bobEvents.await { it is Event.Message && it.message.content == "hello from kotlin" } as Event.Message?
    check("bob receives ann's message", got != null && got.message.senderId == annSession.userId)

    bob.sendMessage(room, "hi from bob")
    check("ann receives bob's reply", annEvents.await { it is Event.Message && it.message.content == "hi from bob" } != null)

    ann.setTyping(room, true)
    val typing = bobEvents.await { it is Event.Typing && it.isTyping } as Event.Typing?
    check("bob sees ann typing", typing?.userId == annSession.userId)

    val seq = got?.message?.seq ?: 0uL
    bob.markRead(room, seq)
    val receipt = annEvents.await { it is Event.Receipt && it.kind == "read" } as Event.Receipt?
    check("ann gets bob's read receipt", receipt?.userId == bobSession.userId && receipt.seq == seq)

    try {
        bob.register("ann_$suffix", "another password")
        check("a taken name throws", false)
    } catch (e: ChatException.Server) {
        check("a taken name throws ChatException.Server(conflict)", e.code == "conflict")
    }

    annListening.stop()
    bobListening.stop()
    ann.shutdown()
    bob.shutdown()
    println("$passed passed, $failed failed")
    if (failed > 0) kotlin.system.exitProcess(1)
}
