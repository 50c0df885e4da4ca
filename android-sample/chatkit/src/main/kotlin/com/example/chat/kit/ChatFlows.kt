// Idiomatic Kotlin over the generated bindings: events and the connection state as
// Flows. The generated methods are already `suspend` where the SDK call is async
// (register, login, rooms, members, findUser).
package com.example.chat.kit

import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.buffer
import kotlinx.coroutines.flow.callbackFlow
import kotlinx.coroutines.flow.distinctUntilChanged
import uniffi.chat_ffi.ChatClient
import uniffi.chat_ffi.ChatListener
import uniffi.chat_sdk.ClientEvent
import uniffi.chat_sdk.ConnectionState

/**
 * Every event of this client while the flow is collected; cancelling the collection
 * stops the listener. Unbounded buffer: the SDK calls in from its own thread and must
 * never wait on a slow collector (what it sends is bounded by the SDK's own queue).
 */
fun ChatClient.events(): Flow<ClientEvent> = callbackFlow {
    val handle = listen(object : ChatListener {
        override fun onEvent(event: ClientEvent) {
            trySend(event)
        }
    })
    awaitClose { handle.stop() }
}.buffer(Channel.UNLIMITED)

/**
 * The connection state now, then every change: what an offline banner shows. The
 * listener is registered before the current state is read, so no change falls between.
 */
fun ChatClient.connectionStates(): Flow<ConnectionState> = callbackFlow {
    val handle = listen(object : ChatListener {
        override fun onEvent(event: ClientEvent) {
            if (event is ClientEvent.Connection) trySend(event.state)
        }
    })
    trySend(connectionState())
    awaitClose { handle.stop() }
}.buffer(Channel.UNLIMITED).distinctUntilChanged()

/** Whether the app should show itself offline (anything but connected). */
val ConnectionState.isOffline: Boolean
    get() = this !is ConnectionState.Connected
