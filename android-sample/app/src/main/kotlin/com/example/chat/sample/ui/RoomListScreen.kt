package com.example.chat.sample.ui

import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.foundation.ExperimentalFoundationApi
import androidx.compose.foundation.combinedClickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.automirrored.filled.Logout
import androidx.compose.material.icons.filled.Add
import androidx.compose.material.icons.filled.Refresh
import androidx.compose.material.icons.filled.Search
import androidx.compose.material.icons.filled.Star
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.Badge
import androidx.compose.material3.DropdownMenu
import androidx.compose.material3.DropdownMenuItem
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.FloatingActionButton
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
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
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.text.style.TextOverflow
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.viewmodel.compose.viewModel
import com.example.chat.sample.RoomListViewModel
import com.example.chat.sample.SignedIn
import uniffi.chat_protocol.RoomPlacement
import uniffi.chat_protocol.RoomSummary
import uniffi.chat_protocol.RoomVisibility

/**
 * The user's rooms (favorites first, with unread and "@" mention badges; a long press
 * places one), the archived ones behind "Archived (n)", public rooms to join, a dialog
 * to start a conversation, and the way to message search.
 */
@OptIn(ExperimentalMaterial3Api::class)
@Composable
fun RoomListScreen(
    user: SignedIn,
    onOpenRoom: (String, String) -> Unit,
    onSearch: () -> Unit,
    onSignOut: () -> Unit,
    onDeleteAccount: suspend (String?, Boolean) -> Unit,
) {
    val model: RoomListViewModel = viewModel { RoomListViewModel(user) }
    val state by model.state.collectAsStateWithLifecycle()
    val connection by model.connection.collectAsStateWithLifecycle()
    var creating by remember { mutableStateOf(false) }
    var deleting by remember { mutableStateOf(false) }
    var showBlocked by remember { mutableStateOf(false) }
    val blocked by model.blocked.collectAsStateWithLifecycle()
    var showDevices by remember { mutableStateOf(false) }
    var showSaved by remember { mutableStateOf(false) }
    val saved by model.saved.collectAsStateWithLifecycle()
    var changingPassword by remember { mutableStateOf(false) }
    val signIns by model.signIns.collectAsStateWithLifecycle()
    var editingProfile by remember { mutableStateOf(false) }
    var showArchived by remember { mutableStateOf(false) }
    // "My data": the user picks where the data export goes, then it is written there.
    val resolver = LocalContext.current.contentResolver
    val saveExport = rememberLauncherForActivityResult(ActivityResultContracts.CreateDocument("application/json")) { uri ->
        if (uri != null) model.saveExport(resolver, uri)
    }
    val profile by model.profile.collectAsStateWithLifecycle()

    Scaffold(
        topBar = {
            TopAppBar(
                title = { Text(user.username) },
                actions = {
                    IconButton(onClick = onSearch) { Icon(Icons.Filled.Search, "Search messages") }
                    IconButton(onClick = model::refresh) { Icon(Icons.Filled.Refresh, "Refresh") }
                    IconButton(onClick = onSignOut) { Icon(Icons.AutoMirrored.Filled.Logout, "Sign out") }
                    TextButton(onClick = { model.loadProfile(); editingProfile = true }) { Text("Profile") }
                    TextButton(onClick = { model.loadSaved(); showSaved = true }) { Text("Saved") }
                    TextButton(onClick = { model.loadBlocked(); showBlocked = true }) { Text("Blocked") }
                    TextButton(onClick = { model.loadSignIns(); showDevices = true }) { Text("Devices") }
                    TextButton(onClick = { changingPassword = true }) { Text("Password") }
                    TextButton(onClick = { saveExport.launch("chat-export.json") }) { Text("My data") }
                    TextButton(onClick = { deleting = true }) { Text("Delete account") }
                },
            )
        },
        floatingActionButton = {
            FloatingActionButton(onClick = { creating = true }) { Icon(Icons.Filled.Add, "New conversation") }
        },
    ) { padding ->
        Column(Modifier.padding(padding).fillMaxSize()) {
            OfflineBanner(connection)
            state.error?.let {
                Text(it, color = MaterialTheme.colorScheme.error, modifier = Modifier.padding(16.dp))
            }
            LazyColumn {
                items(state.mine, key = { it.roomId }) { room ->
                    RoomRow(user, room, onClick = { onOpenRoom(room.roomId, room.name) }, onPlace = { model.place(room, it) }, onMarkUnread = { model.markUnread(room, it) })
                    HorizontalDivider()
                }
                if (state.archived.isNotEmpty()) {
                    item {
                        TextButton(onClick = { showArchived = !showArchived }, modifier = Modifier.padding(start = 8.dp)) {
                            Text("Archived (${state.archived.size})")
                        }
                    }
                }
                if (showArchived) {
                    items(state.archived, key = { "archived-" + it.roomId }) { room ->
                        RoomRow(user, room, onClick = { onOpenRoom(room.roomId, room.name) }, onPlace = { model.place(room, it) }, onMarkUnread = { model.markUnread(room, it) })
                    }
                }
                if (state.joinable.isNotEmpty()) {
                    item {
                        Text(
                            "Public rooms",
                            style = MaterialTheme.typography.titleSmall,
                            modifier = Modifier.padding(start = 16.dp, top = 24.dp, bottom = 8.dp),
                        )
                    }
                    items(state.joinable, key = { "public-" + it.roomId }) { room ->
                        RoomRow(user, room, onClick = { model.join(room, onOpenRoom) })
                    }
                }
            }
        }
    }
    if (creating) {
        NewConversationDialog(
            onDismiss = { creating = false },
            onDirect = { name -> creating = false; model.startDirect(name, onOpenRoom) },
            onPublic = { name -> creating = false; model.createPublic(name, onOpenRoom) },
            onInvite = { code -> creating = false; model.joinWithInvite(code, onOpenRoom) },
        )
    }
    if (deleting) {
        DeleteAccountDialog(onDismiss = { deleting = false }, onDelete = onDeleteAccount)
    }
    if (showBlocked) {
        AlertDialog(
            onDismissRequest = { showBlocked = false },
            title = { Text("Blocked users") },
            text = {
                LazyColumn {
                    if (blocked.isEmpty()) item { Text("Nobody.") }
                    items(blocked, key = { it.userId }) { user ->
                        ListItem(
                            headlineContent = { Text(user.displayName) },
                            trailingContent = { TextButton(onClick = { model.unblock(user) }) { Text("Unblock") } },
                        )
                    }
                }
            },
            confirmButton = { TextButton(onClick = { showBlocked = false }) { Text("Close") } },
        )
    }
    if (changingPassword) {
        ChangePasswordDialog(onDismiss = { changingPassword = false }, onChange = model::changePassword)
    }
    val shownProfile = profile
    if (editingProfile && shownProfile != null) {
        ProfileDialog(
            client = user.client,
            profile = shownProfile,
            onDismiss = { editingProfile = false },
            onRename = model::rename,
            onPicture = model::setPicture,
            onRemovePicture = model::removePicture,
        )
    }
    if (showSaved) {
        val names = (state.mine + state.archived).associate { it.roomId to it.name }
        SavedDialog(
            saved = saved,
            roomName = { names[it] ?: "A room you left" },
            onOpen = { item ->
                showSaved = false
                names[item.message.roomId]?.let { onOpenRoom(item.message.roomId, it) }
            },
            onRemove = model::unsave,
            onDismiss = { showSaved = false },
        )
    }
    if (showDevices) {
        SignInsDialog(
            signIns = signIns,
            onEnd = model::endSignIn,
            onEndOthers = model::endOtherSignIns,
            onDismiss = { showDevices = false },
        )
    }
}

/**
 * One room: picture, name (a star for a favorite), last message and badges (a dot for a
 * room marked unread). A long press on one of the user's rooms ([onPlace] set) offers to
 * make it a favorite or archive it, and to mark it unread or read ([onMarkUnread] with
 * `true` or `false`).
 */
@OptIn(ExperimentalFoundationApi::class)
@Composable
private fun RoomRow(
    user: SignedIn,
    room: RoomSummary,
    onClick: () -> Unit,
    onPlace: ((RoomPlacement?) -> Unit)? = null,
    onMarkUnread: ((Boolean) -> Unit)? = null,
) {
    val kind = when (room.visibility) {
        RoomVisibility.DIRECT -> "Direct"
        RoomVisibility.PRIVATE -> "Private"
        RoomVisibility.PUBLIC -> "Public"
    }
    var menu by remember { mutableStateOf(false) }
    ListItem(
        // The room's picture; a direct room's is the other member's.
        leadingContent = { Avatar(user.client, room.avatarId, room.name) },
        headlineContent = {
            Row(horizontalArrangement = Arrangement.spacedBy(4.dp)) {
                if (room.placement == RoomPlacement.FAVORITE) {
                    Icon(Icons.Filled.Star, "Favorite", tint = MaterialTheme.colorScheme.tertiary)
                }
                Text(room.name.ifEmpty { "(no name)" })
            }
            if (onPlace != null) {
                DropdownMenu(expanded = menu, onDismissRequest = { menu = false }) {
                    val favorite = room.placement == RoomPlacement.FAVORITE
                    val archived = room.placement == RoomPlacement.ARCHIVED
                    DropdownMenuItem(
                        text = { Text(if (favorite) "Remove from favorites" else "Add to favorites") },
                        onClick = { menu = false; onPlace(if (favorite) null else RoomPlacement.FAVORITE) },
                    )
                    DropdownMenuItem(
                        text = { Text(if (archived) "Unarchive" else "Archive") },
                        onClick = { menu = false; onPlace(if (archived) null else RoomPlacement.ARCHIVED) },
                    )
                    if (onMarkUnread != null) {
                        val unread = room.unreadCount > 0uL || room.markedUnread
                        DropdownMenuItem(
                            text = { Text(if (unread) "Mark as read" else "Mark as unread") },
                            onClick = { menu = false; onMarkUnread(!unread) },
                        )
                    }
                }
            }
        },
        supportingContent = {
            Text(room.lastMessage?.content ?: kind, maxLines = 1, overflow = TextOverflow.Ellipsis)
        },
        trailingContent = {
            Row(horizontalArrangement = Arrangement.spacedBy(4.dp)) {
                // Someone mentioned the user among the unread messages.
                if (room.mentionCount > 0uL) {
                    Badge(containerColor = MaterialTheme.colorScheme.tertiary) { Text("@") }
                }
                val badgeColor = if (room.muted) MaterialTheme.colorScheme.outline else MaterialTheme.colorScheme.primary
                if (room.unreadCount > 0uL) {
                    Badge(containerColor = badgeColor) { Text(room.unreadCount.toString()) }
                } else if (room.markedUnread) {
                    // Marked unread with nothing to read: a dot.
                    Badge(containerColor = badgeColor)
                }
            }
        },
        modifier = Modifier.combinedClickable(onClick = onClick, onLongClick = { if (onPlace != null) menu = true }),
    )
}

/**
 * One field: a username opens a direct conversation, a name creates a public room, or
 * an invite code someone shared joins their room.
 */
@Composable
private fun NewConversationDialog(
    onDismiss: () -> Unit,
    onDirect: (String) -> Unit,
    onPublic: (String) -> Unit,
    onInvite: (String) -> Unit,
) {
    var text by remember { mutableStateOf("") }
    AlertDialog(
        onDismissRequest = onDismiss,
        title = { Text("New conversation") },
        text = {
            OutlinedTextField(
                value = text,
                onValueChange = { text = it },
                label = { Text("Username, a new room's name, or an invite code") },
                singleLine = true,
            )
        },
        confirmButton = {
            TextButton(onClick = { onDirect(text) }, enabled = text.isNotBlank()) { Text("Message user") }
        },
        dismissButton = {
            Row {
                TextButton(onClick = { onInvite(text) }, enabled = text.isNotBlank()) { Text("Join with code") }
                TextButton(onClick = { onPublic(text) }, enabled = text.isNotBlank()) { Text("Create room") }
            }
        },
    )
}
