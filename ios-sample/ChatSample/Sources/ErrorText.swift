import ChatKit
import Foundation

/// A sentence for the user: the server's own explanation where there is one.
func describe(_ error: Error) -> String {
    guard let chat = error as? ChatError else { return error.localizedDescription }
    switch chat {
    case .Server(_, let detail): return detail
    case .Network: return "Cannot reach the server. Check your connection."
    // A message's text or a file.
    case .TooLarge(let maxBytes):
        return "That is too large: the limit is \(Int64(clamping: maxBytes).formatted(.byteCount(style: .file)))."
    case .NotConnected: return "Not connected: try again when you are online."
    case .NotSignedIn: return "Please sign in again."
    case .Storage(let detail): return "This device's storage failed: \(detail)"
    case .Invalid(let detail): return "Not valid: \(detail)"
    case .InvalidConfig(let detail): return "This app is misconfigured: \(detail)"
    case .OtherUser: return "Another account is signed in on this device: sign out first."
    case .Closed: return "The chat was closed."
    }
}

/// A sentence for a change to a message (edit, delete, reaction, pin) that the server
/// refused: it is undone on screen already.
func describe(_ failure: ChangeFailure) -> String {
    switch failure.code {
    case .forbidden: return "You are not allowed to do that in this room."
    case .notFound: return "That message no longer exists."
    default: return "Not done: \(failure.message)"
    }
}
