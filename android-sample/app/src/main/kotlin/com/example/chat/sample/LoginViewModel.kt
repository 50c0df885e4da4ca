package com.example.chat.sample

import androidx.lifecycle.ViewModel
import androidx.lifecycle.viewModelScope
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.launch
import uniffi.chat_ffi.ChatException

/** What the sign-in screen shows. */
data class LoginState(val busy: Boolean = false, val error: String? = null)

class LoginViewModel(private val chat: ChatService) : ViewModel() {
    private val _state = MutableStateFlow(LoginState())
    val state: StateFlow<LoginState> = _state.asStateFlow()

    fun signIn(username: String, password: String, register: Boolean) =
        attempt { chat.signIn(username.trim(), password, register) }

    /** A forgotten password: the reset code an admin gave, and the new password. */
    fun resetPassword(username: String, resetCode: String, newPassword: String) =
        attempt { chat.resetPassword(username.trim(), resetCode.trim(), newPassword) }

    private fun attempt(signIn: suspend () -> Unit) {
        if (_state.value.busy) return
        _state.value = LoginState(busy = true)
        viewModelScope.launch {
            _state.value = try {
                signIn()
                LoginState()
            } catch (e: ChatException) {
                LoginState(error = describe(e))
            }
        }
    }
}

/** A sentence for the user: the server's own explanation where there is one. */
fun describe(e: ChatException): String = when (e) {
    is ChatException.Server -> e.detail
    is ChatException.Network -> "Cannot reach the server. Check your connection."
    is ChatException.TooLarge -> "That message is too long."
    is ChatException.NotConnected -> "Not connected: try again when you are online."
    is ChatException.NotSignedIn -> "Please sign in again."
    is ChatException.Storage -> "This device's storage failed: ${e.detail}"
    is ChatException.Invalid -> "Not valid: ${e.detail}"
    is ChatException.InvalidConfig -> "This app is misconfigured: ${e.detail}"
    is ChatException.OtherUser -> "Another account is signed in on this device: sign out first."
    is ChatException.Closed -> "The chat was closed."
}
