// The data export over the Kotlin bindings: the server's JSON document, holding ann's
// profile and the messages she sent (an app saves these bytes as a file).

import uniffi.chat_ffi.ChatClient

suspend fun dataExport(ann: ChatClient, annId: String, room: String) {
    val text = ann.exportMyData().toString(Charsets.UTF_8)
    check("the data export is the server's JSON document", text.startsWith("{\"exported_at\":") && text.endsWith("]}"))
    check("it names ann and holds her messages in the shared room",
        text.contains("\"user_id\":\"$annId\"") && text.contains("\"room_id\":\"$room\"") && text.contains("\"messages\":[{"))
}
