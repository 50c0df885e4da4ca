package com.example.chat.sample.ui

import android.content.Intent
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.PickVisualMediaRequest
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.consumeWindowInsets
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.imePadding
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.lazy.rememberLazyListState
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.automirrored.filled.ArrowBack
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Scaffold
import androidx.compose.material3.SnackbarHost
import androidx.compose.material3.SnackbarHostState
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.material3.TopAppBar
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.derivedStateOf
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.viewmodel.compose.viewModel
import com.example.chat.sample.ChatViewModel
import com.example.chat.sample.SignedIn
import kotlinx.coroutines.launch
import uniffi.chat_sdk.LocalMessage
import uniffi.chat_sdk.MessageAttachment

/**
 * One room: messages newest at the bottom with status ticks on the user's own, replies
 * with their quotes, files and reactions; who is typing, the offline banner, the newest
 * pinned message, and the composer (with the reply being written, @-mention completion
 * and files to attach). Scrolling to the top loads older ones. A tapped image opens in
 * a viewer; a tapped file is saved where the user picks.
 */
@OptIn(ExperimentalMaterial3Api::class)
@Composable
fun ChatScreen(user: SignedIn, roomId: String, roomName: String, onBack: () -> Unit) {
    val model: ChatViewModel = viewModel(key = roomId) { ChatViewModel(user, roomId) }
    val messages by model.timeline.messages.collectAsStateWithLifecycle()
    val typing by model.timeline.typingUsers.collectAsStateWithLifecycle()
    val names by model.timeline.memberNames.collectAsStateWithLifecycle()
    val hasOlder by model.timeline.hasOlder.collectAsStateWithLifecycle()
    val connection by model.connection.collectAsStateWithLifecycle()
    val error by model.error.collectAsStateWithLifecycle()
    val pins by model.timeline.pins.collectAsStateWithLifecycle()
    val uploads by model.timeline.uploadProgress.collectAsStateWithLifecycle()
    var replyingTo by remember { mutableStateOf<LocalMessage?>(null) }
    var editing by remember { mutableStateOf<LocalMessage?>(null) }
    var reporting by remember { mutableStateOf<LocalMessage?>(null) }
    var blocking by remember { mutableStateOf<LocalMessage?>(null) }
    var showInfo by remember { mutableStateOf(false) }
    var confirmLeave by remember { mutableStateOf(false) }
    var viewing by remember { mutableStateOf<MessageAttachment?>(null) }
    // The file being saved, by id: kept if the activity is recreated behind the picker.
    var saving by rememberSaveable { mutableStateOf<String?>(null) }
    // The application's: the model's reading or writing may outlast this activity (a
    // rotation) and must not hold on to it; the pickers grant their Uris to the app.
    val context = LocalContext.current
    val files = LocalContext.current.applicationContext.contentResolver
    val saveFile = rememberLauncherForActivityResult(
        ActivityResultContracts.CreateDocument("application/octet-stream"),
    ) { target ->
        val id = saving
        saving = null
        if (target != null && id != null) model.saveAttachment(files, id, target)
    }
    val pickRoomPicture = rememberLauncherForActivityResult(ActivityResultContracts.PickVisualMedia()) { uri ->
        if (uri != null) model.setRoomPicture(files, uri)
    }
    val members by model.timeline.members.collectAsStateWithLifecycle()
    val notices by model.timeline.notices.collectAsStateWithLifecycle()
    val ended by model.timeline.ended.collectAsStateWithLifecycle()
    val snackbar = remember { SnackbarHostState() }
    // Reversed: item 0 is the newest message, at the bottom.
    val newestFirst = remember(messages) { messages.asReversed() }
    // Messages and notices ("bob left") in seq order, newest first for the layout.
    val entries = remember(messages, notices) { timelineEntries(messages, notices).asReversed() }
    // Replies quote their parent when it is loaded.
    val byId = remember(messages) { messages.filter { it.messageId != null }.associateBy { it.messageId } }
    val list = rememberLazyListState()
    val scope = rememberCoroutineScope()

    // No longer a member (left here or elsewhere, removed, banned): back to the list.
    LaunchedEffect(ended) {
        if (ended != null) onBack()
    }
    LaunchedEffect(error) {
        error?.let {
            snackbar.showSnackbar(it)
            model.dismissError()
        }
    }
    // A new newest message: follow it if the user was at (or next to) the bottom. Keys
    // keep the old items in place, so without this it would arrive just off-screen.
    LaunchedEffect(newestFirst.firstOrNull()?.clientMsgId) {
        if (list.firstVisibleItemIndex <= 1) list.animateScrollToItem(0)
    }
    // Newest message on screen: it has been read.
    val atBottom by remember { derivedStateOf { list.firstVisibleItemIndex == 0 } }
    LaunchedEffect(messages.lastOrNull()?.seq, atBottom) {
        if (atBottom) model.markRead()
    }
    // The oldest loaded message on screen: show more.
    val atTop by remember {
        derivedStateOf { list.layoutInfo.visibleItemsInfo.lastOrNull()?.index == list.layoutInfo.totalItemsCount - 1 }
    }
    LaunchedEffect(atTop, hasOlder) {
        if (atTop && hasOlder && messages.isNotEmpty()) model.timeline.loadOlder()
    }

    Scaffold(
        topBar = {
            TopAppBar(
                title = { Text(roomName.ifEmpty { "Chat" }) },
                navigationIcon = {
                    IconButton(onClick = onBack) { Icon(Icons.AutoMirrored.Filled.ArrowBack, "Back") }
                },
                actions = {
                    TextButton(onClick = { showInfo = true }) { Text("Info") }
                    TextButton(onClick = { confirmLeave = true }) { Text("Leave") }
                },
            )
        },
        snackbarHost = { SnackbarHost(snackbar) },
    ) { padding ->
        Column(Modifier.padding(padding).consumeWindowInsets(padding).fillMaxSize().imePadding()) {
            OfflineBanner(connection)
            PinnedBanner(pins, names, onClick = { pinned ->
                // Shown when loaded; an older one stays in the banner only.
                val index = entries.indexOfFirst { it is TimelineEntry.Message && it.message.messageId == pinned.messageId }
                if (index >= 0) scope.launch { list.animateScrollToItem(index) }
            })
            LazyColumn(state = list, reverseLayout = true, modifier = Modifier.weight(1f).fillMaxWidth()) {
                items(entries, key = { it.key }) { entry ->
                    when (entry) {
                        is TimelineEntry.Notice -> NoticeLine(describeNotice(entry.notice, names))
                        is TimelineEntry.Message -> {
                            val message = entry.message
                            MessageBubble(
                                message = message,
                                mine = message.senderId == model.myUserId,
                                senderName = names[message.senderId] ?: message.senderId.take(8),
                                quote = message.replyTo?.let { quoteOf(byId[it], names) },
                                mentionsMe = model.myUserId in message.mentions,
                                uploadProgress = uploads[message.clientMsgId],
                                loadPicture = { model.bubblePicture(message, it) },
                                onOpenImage = { viewing = it },
                                onSaveFile = { file ->
                                    saving = file.attachmentId
                                    saveFile.launch(file.name)
                                },
                                onReply = { replyingTo = message },
                                onReact = { model.react(message, it) },
                                onToggleReaction = { model.toggle(message, it) },
                                onPin = { model.pin(message, it) },
                                onSave = { model.save(message) },
                                onRetry = { model.retry(message) },
                                onCancel = { model.cancel(message) },
                                onEdit = { editing = message },
                                onDelete = { model.delete(message) },
                                onReport = { reporting = message },
                                onBlock = { blocking = message },
                            )
                        }
                    }
                }
            }
            TypingLine(typing.map { names[it] ?: it.take(8) })
            Composer(
                replyingTo = replyingTo?.let { quoteOf(it, names) },
                members = members,
                me = model.myUserId,
                onCancelReply = { replyingTo = null },
                onDraftChanged = model::draftChanged,
                onSend = { text, mentions, onQueued ->
                    val parent = replyingTo
                    model.send(text, parent?.messageId, mentions) {
                        onQueued()
                        if (replyingTo == parent) replyingTo = null
                    }
                },
                onAttach = { file, caption, onQueued ->
                    val parent = replyingTo
                    model.sendAttachment(files, file, caption, parent?.messageId) {
                        onQueued()
                        if (replyingTo == parent) replyingTo = null
                    }
                },
            )
        }
    }
    reporting?.let { message ->
        ReportDialog(
            onDismiss = { reporting = null },
            onReport = { reason ->
                reporting = null
                model.report(message, reason)
            },
        )
    }
    blocking?.let { message ->
        val name = names[message.senderId] ?: message.senderId.take(8)
        ConfirmDialog(
            title = "Block $name?",
            text = "Their messages will be hidden, and they cannot message you directly.",
            confirm = "Block",
            onDismiss = { blocking = null },
            onConfirm = {
                blocking = null
                model.blockSender(message)
            },
        )
    }
    if (confirmLeave) {
        ConfirmDialog(
            title = "Leave ${roomName.ifEmpty { "this room" }}?",
            text = "You will no longer get its messages.",
            confirm = "Leave",
            onDismiss = { confirmLeave = false },
            onConfirm = {
                confirmLeave = false
                model.leave()
            },
        )
    }
    if (showInfo) {
        RoomInfoDialog(
            client = user.client,
            members = members,
            me = model.myUserId,
            onDismiss = { showInfo = false },
            onRemove = { model.remove(it) },
            onBan = { model.ban(it) },
            // Shown to owners and admins only, so never in a direct room (which has
            // neither: its picture is the other member's).
            onPicture = {
                pickRoomPicture.launch(PickVisualMediaRequest(ActivityResultContracts.PickVisualMedia.ImageOnly))
            },
            onInvite = {
                model.shareInvite { code ->
                    val text = "Join $roomName in the chat app with this invite code: $code"
                    val send = Intent(Intent.ACTION_SEND).setType("text/plain").putExtra(Intent.EXTRA_TEXT, text)
                    context.startActivity(Intent.createChooser(send, "Share invite"))
                }
            },
        )
    }
    viewing?.let { image ->
        val id = image.attachmentId ?: return@let
        ImageViewer(
            image,
            loadPreview = { model.viewerPicture(id) },
            loadOriginal = { model.originalPicture(id) },
            onDismiss = { viewing = null },
        )
    }
    editing?.let { message ->
        EditDialog(
            original = message.content,
            onDismiss = { editing = null },
            onSave = { text ->
                editing = null
                model.edit(message, text)
            },
        )
    }
}

@Composable
private fun TypingLine(names: List<String>) {
    val text = when (names.size) {
        0 -> return
        1 -> "${names[0]} is typing…"
        2 -> "${names[0]} and ${names[1]} are typing…"
        else -> "Several people are typing…"
    }
    Text(
        text,
        style = MaterialTheme.typography.bodySmall,
        color = MaterialTheme.colorScheme.onSurfaceVariant,
        modifier = Modifier.padding(horizontal = 16.dp),
    )
}

@Composable
private fun EditDialog(original: String, onDismiss: () -> Unit, onSave: (String) -> Unit) {
    var text by remember { mutableStateOf(original) }
    AlertDialog(
        onDismissRequest = onDismiss,
        title = { Text("Edit message") },
        text = { OutlinedTextField(value = text, onValueChange = { text = it }) },
        confirmButton = {
            TextButton(onClick = { onSave(text) }, enabled = text.isNotBlank() && text != original) { Text("Save") }
        },
        dismissButton = { TextButton(onClick = onDismiss) { Text("Cancel") } },
    )
}
