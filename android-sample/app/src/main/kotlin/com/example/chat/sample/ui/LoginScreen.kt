package com.example.chat.sample.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.imePadding
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.safeDrawingPadding
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.material3.Button
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.TextButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.text.input.PasswordVisualTransformation
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.viewmodel.compose.viewModel
import com.example.chat.sample.ChatService
import com.example.chat.sample.LoginViewModel

/** Username and password; sign in, or create the account. */
@Composable
fun LoginScreen(chat: ChatService) {
    val model: LoginViewModel = viewModel { LoginViewModel(chat) }
    val state by model.state.collectAsStateWithLifecycle()
    var username by rememberSaveable { mutableStateOf("") }
    var password by rememberSaveable { mutableStateOf("") }
    // Set when the user has a reset code from an admin: the password is then a new one.
    var resetCode by rememberSaveable { mutableStateOf<String?>(null) }
    val ready = username.isNotBlank() && password.length >= 8 && !state.busy &&
        resetCode?.isNotBlank() != false

    Column(
        modifier = Modifier.fillMaxSize().safeDrawingPadding().imePadding().padding(24.dp),
        verticalArrangement = Arrangement.spacedBy(12.dp, Alignment.CenterVertically),
    ) {
        Text("Chat", style = MaterialTheme.typography.headlineLarge)
        OutlinedTextField(
            value = username,
            onValueChange = { username = it },
            label = { Text("Username") },
            singleLine = true,
            modifier = Modifier.fillMaxWidth(),
        )
        resetCode?.let { code ->
            OutlinedTextField(
                value = code,
                onValueChange = { resetCode = it },
                label = { Text("Reset code") },
                singleLine = true,
                modifier = Modifier.fillMaxWidth(),
            )
        }
        OutlinedTextField(
            value = password,
            onValueChange = { password = it },
            label = { Text(if (resetCode == null) "Password (8 characters or more)" else "New password (8 characters or more)") },
            singleLine = true,
            visualTransformation = PasswordVisualTransformation(),
            keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Password),
            modifier = Modifier.fillMaxWidth(),
        )
        state.error?.let { Text(it, color = MaterialTheme.colorScheme.error) }
        val code = resetCode
        Row(horizontalArrangement = Arrangement.spacedBy(12.dp), verticalAlignment = Alignment.CenterVertically) {
            if (code != null) {
                Button(onClick = { model.resetPassword(username, code, password) }, enabled = ready) {
                    Text("Set password and sign in")
                }
            } else {
                Button(onClick = { model.signIn(username, password, register = false) }, enabled = ready) {
                    Text("Sign in")
                }
                OutlinedButton(onClick = { model.signIn(username, password, register = true) }, enabled = ready) {
                    Text("Create account")
                }
            }
            if (state.busy) CircularProgressIndicator()
        }
        TextButton(onClick = { resetCode = if (code == null) "" else null }) {
            Text(if (code == null) "Forgot your password? Use a reset code" else "Back to sign-in")
        }
    }
}
