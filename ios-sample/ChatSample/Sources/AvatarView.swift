import ChatKit
import SwiftUI
import UIKit

/// A round picture of a user or room: the small thumbnail of `avatarId` (the SDK keeps it
/// in its cache, so it shows offline too), or the first letter of `name` when there is
/// none or it cannot be fetched.
struct AvatarView: View {
    let client: ChatClient
    let avatarId: String?
    let name: String
    var size: CGFloat = 40
    @State private var image: UIImage?

    var body: some View {
        Group {
            if let image {
                Image(uiImage: image)
                    .resizable()
                    .scaledToFill()
            } else {
                Text(verbatim: initial)
                    .font(.system(size: size * 0.45, weight: .semibold))
                    .frame(maxWidth: .infinity, maxHeight: .infinity)
                    .background(Color.secondary.opacity(0.2))
            }
        }
        .frame(width: size, height: size)
        .clipShape(Circle())
        .accessibilityHidden(true) // the name is next to it
        .task(id: avatarId) {
            guard let avatarId else {
                image = nil
                return
            }
            // Offline before it was cached, or removed: the initial instead.
            let bytes = try? await client.thumbnail(attachmentId: avatarId, variant: .small)
            image = bytes.flatMap { UIImage(data: $0) }
        }
    }

    private var initial: String {
        String(name.trimmingCharacters(in: .whitespaces).prefix(1)).uppercased()
    }
}
