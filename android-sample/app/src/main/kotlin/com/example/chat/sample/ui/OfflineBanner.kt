package com.example.chat.sample.ui

import androidx.compose.animation.AnimatedVisibility
import androidx.compose.foundation.background
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp
import com.example.chat.kit.isOffline
import uniffi.chat_sdk.ConnectionState

/**
 * A strip under the top bar while the client is not connected. Sending still works
 * then: messages wait in the outbox (shown with a clock) and go out on reconnect.
 */
@Composable
fun OfflineBanner(state: ConnectionState, modifier: Modifier = Modifier) {
    AnimatedVisibility(visible = state.isOffline, modifier = modifier) {
        Text(
            text = bannerText(state),
            style = MaterialTheme.typography.bodySmall,
            color = MaterialTheme.colorScheme.onErrorContainer,
            modifier = Modifier
                .fillMaxWidth()
                .background(MaterialTheme.colorScheme.errorContainer)
                .padding(horizontal = 16.dp, vertical = 6.dp),
        )
    }
}

private fun bannerText(state: ConnectionState): String = when (state) {
    is ConnectionState.Connected -> ""
    is ConnectionState.Connecting -> "Connecting…"
    is ConnectionState.Reconnecting ->
        "Offline. Messages you send will go out when the connection is back " +
            "(next try in ${(state.delayMs + 999u) / 1000u} s)."
    is ConnectionState.Disconnected -> "Offline."
    is ConnectionState.NeedsToken -> "Your session has expired: sign out and in again."
}
