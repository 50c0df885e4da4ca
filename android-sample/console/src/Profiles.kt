// Profiles and pictures over the Kotlin bindings: a new name and picture reach the
// other device (event and cached members), the picture's thumbnail decodes there, a
// room's picture shows in the other device's room list, and refusals throw.

import javax.imageio.ImageIO
import uniffi.chat_ffi.ChatClient
import uniffi.chat_ffi.ChatException
import uniffi.chat_protocol.ErrorCode
import uniffi.chat_sdk.ClientEvent
import uniffi.chat_sdk.ThumbnailVariant

suspend fun profiles(ann: ChatClient, bob: ChatClient, room: String, annId: String, bobEvents: Recorder) {
    bob.members(room) // cached, to see them move on
    val named = ann.setDisplayName("Ann from Kotlin")
    check("a new name comes back trimmed", named.displayName == "Ann from Kotlin" && named.avatarId == null)
    val pictured = ann.setAvatar(pngBytes(48, 48), "me.png", "image/png")
    val avatarId = pictured.avatarId
    check("a picture comes back as the profile's avatarId", avatarId != null && pictured.displayName == "Ann from Kotlin")
    avatarId ?: return
    val heard = bobEvents.await {
        it is ClientEvent.UserUpdated && it.userId == annId && it.avatarId == avatarId
    }
    check("bob hears of ann's picture", heard != null)
    check("bob's cached members show ann's name and picture", awaitValue {
        bob.cachedMembers(room).any { it.userId == annId && it.displayName == "Ann from Kotlin" && it.avatarId == avatarId }
    })
    val thumbnail = bob.thumbnail(avatarId, ThumbnailVariant.SMALL)
    check("the picture's thumbnail decodes on bob's device", ImageIO.read(thumbnail.inputStream())?.width == 48)
    check("bob sees the picture in ann's profile", bob.userProfile(annId).avatarId == avatarId)
    check("ann's own profile says the same", ann.myProfile() == pictured)

    val details = ann.setRoomAvatar(room, pngBytes(64, 32), "cover.png", "image/png")
    check("the room's picture is in its details", details.avatarId != null)
    check("bob's room list shows the room's picture", awaitValue {
        bob.roomList().any { it.roomId == room && it.avatarId == details.avatarId }
    })
    try {
        bob.setRoomAvatar(room, pngBytes(8, 8), "b.png", "image/png")
        check("a member who is not an admin cannot set the room's picture", false)
    } catch (e: ChatException.Server) {
        check("a member who is not an admin gets forbidden", e.code == ErrorCode.FORBIDDEN)
    }
    try {
        ann.setDisplayName("x".repeat(65))
        check("a name too long throws", false)
    } catch (e: ChatException.Server) {
        check("a name too long throws invalid_request", e.code == ErrorCode.INVALID_REQUEST)
    }
    check("the room's picture can be removed", ann.removeRoomAvatar(room).avatarId == null)
    check("the user's picture can be removed", ann.removeAvatar().avatarId == null)
}
