package com.example.chat.sample

import android.Manifest
import android.content.Intent
import android.content.pm.PackageManager
import android.net.Uri
import android.os.Build
import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.activity.enableEdgeToEdge
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.navigation.NavType
import androidx.navigation.compose.NavHost
import androidx.navigation.compose.composable
import androidx.navigation.compose.rememberNavController
import androidx.navigation.navArgument
import com.example.chat.sample.ui.ChatScreen
import com.example.chat.sample.ui.ChatTheme
import com.example.chat.sample.ui.LoginScreen
import com.example.chat.sample.ui.RoomListScreen
import com.example.chat.sample.ui.SearchScreen
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.flow.filterNotNull
import kotlinx.coroutines.withContext

/** Sign-in when nobody is signed in; otherwise the room list and the chat screens. */
class MainActivity : ComponentActivity() {
    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        enableEdgeToEdge()
        val chat = (application as ChatApplication).chat
        // Only a fresh start: after a rotation the same intent would open the room again.
        if (savedInstanceState == null) openRoomOf(intent)
        setContent {
            ChatTheme {
                val signedIn by chat.signedIn.collectAsStateWithLifecycle()
                val user = signedIn
                if (user == null) {
                    LoginScreen(chat)
                } else {
                    LaunchedEffect(user.session.userId) { askToNotify() }
                    SignedInNavigation(user, chat, onSignOut = chat::signOut, onDeleteAccount = chat::deleteAccount)
                }
            }
        }
    }

    /** A notification tapped while the app runs. */
    override fun onNewIntent(intent: Intent) {
        super.onNewIntent(intent)
        openRoomOf(intent)
    }

    private fun openRoomOf(intent: Intent?) {
        val roomId = intent?.getStringExtra(ChatMessagingService.EXTRA_ROOM_ID) ?: return
        intent.removeExtra(ChatMessagingService.EXTRA_ROOM_ID)
        (application as ChatApplication).chat.roomToOpen.value = roomId
    }

    private val notificationPermission =
        registerForActivityResult(ActivityResultContracts.RequestPermission()) { /* either way, chat works */ }

    /** Android 13+: asks once for permission to show notifications (the system remembers a no). */
    private fun askToNotify() {
        if (Build.VERSION.SDK_INT < Build.VERSION_CODES.TIRAMISU) return
        val granted = checkSelfPermission(Manifest.permission.POST_NOTIFICATIONS) == PackageManager.PERMISSION_GRANTED
        if (!granted) notificationPermission.launch(Manifest.permission.POST_NOTIFICATIONS)
    }

    /** Leaving the screen: store the newest session, in case a renewal event was missed. */
    override fun onStop() {
        super.onStop()
        (application as ChatApplication).chat.saveCurrentSession()
    }
}

@androidx.compose.runtime.Composable
private fun SignedInNavigation(
    user: SignedIn,
    chat: ChatService,
    onSignOut: () -> Unit,
    onDeleteAccount: suspend (String?, Boolean) -> Unit,
) {
    val nav = rememberNavController()
    val openRoom = { roomId: String, name: String ->
        nav.navigate("chat/${Uri.encode(roomId)}?name=${Uri.encode(name)}")
    }
    // A tapped notification names a room: open it, with its name from the cached list,
    // then clear the request (clearing it first would cancel this effect).
    LaunchedEffect(Unit) {
        chat.roomToOpen.filterNotNull().collect { roomId ->
            val rooms = withContext(Dispatchers.IO) { runCatching { user.client.roomList() }.getOrNull() }
            val name = rooms?.firstOrNull { it.roomId == roomId }?.name.orEmpty()
            openRoom(roomId, name)
            chat.roomToOpen.value = null
        }
    }
    NavHost(navController = nav, startDestination = "rooms") {
        composable("rooms") {
            RoomListScreen(
                user = user,
                onOpenRoom = openRoom,
                onSearch = { nav.navigate("search") },
                onSignOut = {
                    // Pop every screen first, so that their ViewModels (and the old
                    // client's listeners) are cleared with them.
                    nav.popBackStack(nav.graph.startDestinationId, inclusive = true)
                    onSignOut()
                },
                onDeleteAccount = onDeleteAccount,
            )
        }
        composable("search") {
            SearchScreen(user = user, onOpenRoom = openRoom, onBack = { nav.popBackStack() })
        }
        composable(
            "chat/{roomId}?name={name}",
            arguments = listOf(
                navArgument("roomId") { type = NavType.StringType },
                navArgument("name") { type = NavType.StringType; defaultValue = "" },
            ),
        ) { entry ->
            ChatScreen(
                user = user,
                roomId = entry.arguments?.getString("roomId").orEmpty(),
                roomName = entry.arguments?.getString("name").orEmpty(),
                onBack = { nav.popBackStack() },
            )
        }
    }
}
