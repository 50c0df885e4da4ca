package com.example.chat.sample.ui

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.text.KeyboardActions
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.automirrored.filled.ArrowBack
import androidx.compose.material.icons.filled.Search
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.ListItem
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.material3.TopAppBar
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.text.input.ImeAction
import androidx.compose.ui.text.style.TextOverflow
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.viewmodel.compose.viewModel
import com.example.chat.sample.SearchViewModel
import com.example.chat.sample.SignedIn
import java.text.DateFormat
import java.util.Date

/**
 * Message search over all the user's rooms. Each result shows its room and text; a tap
 * opens the room. Offline, the results come from the messages this device holds.
 */
@OptIn(ExperimentalMaterial3Api::class)
@Composable
fun SearchScreen(user: SignedIn, onOpenRoom: (String, String) -> Unit, onBack: () -> Unit) {
    val model: SearchViewModel = viewModel { SearchViewModel(user) }
    val state by model.state.collectAsStateWithLifecycle()
    var query by rememberSaveable { mutableStateOf("") }

    Scaffold(
        topBar = {
            TopAppBar(
                title = { Text("Search") },
                navigationIcon = {
                    IconButton(onClick = onBack) { Icon(Icons.AutoMirrored.Filled.ArrowBack, "Back") }
                },
            )
        },
    ) { padding ->
        Column(Modifier.padding(padding).fillMaxSize()) {
            OutlinedTextField(
                value = query,
                onValueChange = { query = it },
                placeholder = { Text("Search messages") },
                leadingIcon = { Icon(Icons.Filled.Search, contentDescription = null) },
                singleLine = true,
                keyboardOptions = KeyboardOptions(imeAction = ImeAction.Search),
                keyboardActions = KeyboardActions(onSearch = { model.search(query) }),
                modifier = Modifier.fillMaxWidth().padding(16.dp),
            )
            if (state.loading) LinearProgressIndicator(modifier = Modifier.fillMaxWidth())
            state.error?.let {
                Text(it, color = MaterialTheme.colorScheme.error, modifier = Modifier.padding(16.dp))
            }
            if (state.fromDevice) {
                Text(
                    "Offline: results from this device only.",
                    style = MaterialTheme.typography.bodySmall,
                    color = MaterialTheme.colorScheme.onSurfaceVariant,
                    modifier = Modifier.padding(horizontal = 16.dp),
                )
            }
            LazyColumn {
                if (state.query != null && state.results.isEmpty()) {
                    item { Text("No messages found.", modifier = Modifier.padding(16.dp)) }
                }
                items(state.results, key = { it.messageId ?: it.clientMsgId }) { message ->
                    val room = state.roomNames[message.roomId].orEmpty()
                    ListItem(
                        headlineContent = { Text(room.ifEmpty { "(no name)" }) },
                        supportingContent = { Text(previewText(message), maxLines = 2, overflow = TextOverflow.Ellipsis) },
                        trailingContent = {
                            Text(
                                DateFormat.getDateInstance(DateFormat.SHORT).format(Date(message.createdAt)),
                                style = MaterialTheme.typography.labelSmall,
                            )
                        },
                        modifier = Modifier.clickable { onOpenRoom(message.roomId, room) },
                    )
                    HorizontalDivider()
                }
                if (state.nextBefore != null) {
                    item {
                        TextButton(onClick = model::loadMore, enabled = !state.loading, modifier = Modifier.padding(8.dp)) {
                            Text("More results")
                        }
                    }
                }
            }
        }
    }
}
