// Idiomatic Kotlin over the generated bindings: events as a Flow. The generated
// methods are already `suspend` where the SDK call is async (register, login, rooms).

import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.callbackFlow
import uniffi.chat_ffi.ChatClient
import uniffi.chat_ffi.ChatListener
import uniffi.chat_ffi.Event

/** Every event of this client while the flow is collected; collection stops listening. */
fun ChatClient.events(): Flow<Event> = callbackFlow {
    val handle = listen(object : ChatListener {
        override fun onEvent(event: Event) {
            trySend(event)
        }
    })
    awaitClose { handle.stop() }
}
