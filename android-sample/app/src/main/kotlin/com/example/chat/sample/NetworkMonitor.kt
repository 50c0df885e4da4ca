package com.example.chat.sample

import android.content.Context
import android.net.ConnectivityManager
import android.net.Network

/**
 * Calls [onNetworkAvailable] whenever the default network comes (back) up, so the SDK
 * reconnects at once instead of waiting out its backoff.
 */
class NetworkMonitor(context: Context, private val onNetworkAvailable: () -> Unit) {
    private val connectivity = context.getSystemService(ConnectivityManager::class.java)

    fun start() {
        connectivity.registerDefaultNetworkCallback(object : ConnectivityManager.NetworkCallback() {
            override fun onAvailable(network: Network) = onNetworkAvailable()
        })
    }
}
