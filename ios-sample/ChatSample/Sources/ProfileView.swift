import ChatKit
import PhotosUI
import SwiftUI

/// The user's profile: the name others see and their picture (picked from the photo
/// library, uploaded at once). Everyone who shares a room with them sees the change live.
struct ProfileView: View {
    let client: ChatClient
    @Environment(\.dismiss) private var dismiss
    @State private var profile: UserProfile?
    @State private var name = ""
    @State private var photo: PhotosPickerItem?
    @State private var error: String?
    @State private var busy = false

    var body: some View {
        NavigationStack {
            Form {
                if let profile {
                    Section {
                        HStack(spacing: 16) {
                            AvatarView(client: client, avatarId: profile.avatarId, name: profile.displayName, size: 64)
                            PhotosPicker("Choose picture", selection: $photo, matching: .images)
                            if profile.avatarId != nil {
                                Button("Remove", role: .destructive) {
                                    act { try await client.removeAvatar() }
                                }
                            }
                        }
                    }
                    Section("Name others see") {
                        TextField("1 to 64 characters", text: $name)
                            .textContentType(.nickname)
                        Button("Save name") { act { try await client.setDisplayName(displayName: name) } }
                            .disabled(busy || name.trimmingCharacters(in: .whitespaces).isEmpty
                                || name == profile.displayName)
                    }
                } else {
                    ProgressView()
                }
                if let error {
                    Text(error).foregroundStyle(.red)
                }
            }
            .disabled(busy)
            .navigationTitle("Your profile")
            .toolbar {
                ToolbarItem(placement: .confirmationAction) {
                    Button("Done") { dismiss() }
                }
            }
            .task {
                do {
                    show(try await client.myProfile())
                } catch {
                    self.error = describe(error)
                }
            }
            .onChange(of: photo) { item in
                guard let item else { return }
                photo = nil
                act {
                    // HEIC and other types become JPEG, as for a photo sent in a room.
                    guard case .photo(let data, let name, let mime) = try await NewAttachment.loadPhoto(item) else {
                        return try await client.myProfile()
                    }
                    return try await client.setAvatar(bytes: data, name: name, mime: mime)
                }
            }
        }
    }

    private func show(_ profile: UserProfile) {
        self.profile = profile
        name = profile.displayName
    }

    private func act(_ change: @escaping () async throws -> UserProfile) {
        busy = true
        Task {
            do {
                show(try await change())
                error = nil
            } catch {
                self.error = describe(error)
            }
            busy = false
        }
    }
}
