package com.example.chat.sample

import android.app.Application

/** Owns the one chat service of the process and tells it when the network returns. */
class ChatApplication : Application() {
    lateinit var chat: ChatService
        private set

    override fun onCreate() {
        super.onCreate()
        ChatMessagingService.createChannel(this)
        chat = ChatService(this, BuildConfig.CHAT_SERVER_URL)
        chat.restore()
        NetworkMonitor(this) { chat.networkAvailable() }.start()
    }
}
