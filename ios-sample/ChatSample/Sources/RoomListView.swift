import ChatKit
import Combine
import SwiftUI

/// The user's rooms (with unread and "@" mention badges), public rooms to join, a sheet
/// to start a conversation, and message search.
struct RoomListView: View {
    let user: SignedIn
    @ObservedObject var model: AppModel
    @StateObject private var rooms: RoomListModel
    @State private var path: [RoomSummary] = []
    @State private var creating = false
    @State private var newName = ""
    @State private var deleting = false
    @State private var showingBlocked = false
    @State private var showingSaved = false
    @State private var showingDevices = false
    @State private var changingPassword = false
    @State private var editingProfile = false
    @State private var exporting = false
    @State private var searching = false
    /// A room picked among the search results: opened once the search sheet is gone.
    @State private var openAfterSearch: RoomSummary?

    init(user: SignedIn, model: AppModel) {
        self.user = user
        self.model = model
        _rooms = StateObject(wrappedValue: RoomListModel(user: user))
    }

    var body: some View {
        NavigationStack(path: $path) {
            VStack(spacing: 0) {
                OfflineBanner(state: model.connection)
                List {
                    if let error = rooms.error {
                        Text(error).foregroundStyle(.red)
                    }
                    Section {
                        ForEach(rooms.mine, id: \.roomId) { room in
                            NavigationLink(value: room) { RoomRow(client: user.client, room: room) }
                                .swipeActions(edge: .leading) {
                                    // The first is what a full swipe does: favorite, as before.
                                    favoriteAction(room)
                                    unreadAction(room)
                                }
                                .swipeActions(edge: .trailing) { archiveAction(room) }
                        }
                    }
                    if !rooms.archived.isEmpty {
                        Section {
                            DisclosureGroup("Archived (\(rooms.archived.count))") {
                                ForEach(rooms.archived, id: \.roomId) { room in
                                    NavigationLink(value: room) { RoomRow(client: user.client, room: room) }
                                        .swipeActions(edge: .trailing) { archiveAction(room) }
                                }
                            }
                        }
                    }
                    if !rooms.joinable.isEmpty {
                        Section("Public rooms") {
                            ForEach(rooms.joinable, id: \.roomId) { room in
                                Button {
                                    Task { if let joined = await rooms.join(room) { open(joined) } }
                                } label: {
                                    RoomRow(client: user.client, room: room)
                                }
                            }
                        }
                    }
                }
                .refreshable { await rooms.refresh() }
            }
            .navigationTitle(user.username)
            .navigationDestination(for: RoomSummary.self) { room in
                ChatView(user: user, app: model, room: room)
            }
            .toolbar {
                ToolbarItem(placement: .navigationBarLeading) {
                    Menu("Account") {
                        Button("Your profile") { editingProfile = true }
                        Button("Sign out") { model.signOut() }
                        Button("Saved messages") { showingSaved = true }
                        Button("Blocked users") { showingBlocked = true }
                        Button("Your devices") { showingDevices = true }
                        Button("Change password") { changingPassword = true }
                        Button("Your data") { exporting = true }
                        Button("Delete account", role: .destructive) { deleting = true }
                    }
                }
                ToolbarItem(placement: .navigationBarTrailing) {
                    Button { searching = true } label: { Image(systemName: "magnifyingglass") }
                        .accessibilityLabel("Search messages")
                }
                ToolbarItem(placement: .navigationBarTrailing) {
                    Button { creating = true } label: { Image(systemName: "square.and.pencil") }
                        .accessibilityLabel("New conversation")
                }
            }
            .sheet(isPresented: $searching, onDismiss: {
                if let room = openAfterSearch {
                    openAfterSearch = nil
                    open(room)
                }
            }) {
                SearchView(client: user.client, rooms: rooms.mine) { room in
                    openAfterSearch = room
                    searching = false
                }
            }
            .sheet(isPresented: $deleting) {
                DeleteAccountView(model: model)
            }
            .sheet(isPresented: $showingSaved) {
                SavedView(client: user.client, rooms: rooms.mine + rooms.archived)
            }
            .sheet(isPresented: $showingBlocked) {
                BlockedUsersView(client: user.client)
            }
            .sheet(isPresented: $showingDevices) {
                SignInsView(client: user.client)
            }
            .sheet(isPresented: $changingPassword) {
                ChangePasswordView(client: user.client)
            }
            .sheet(isPresented: $editingProfile) {
                ProfileView(client: user.client)
            }
            .sheet(isPresented: $exporting) {
                DataExportView(client: user.client)
            }
            .alert("New conversation", isPresented: $creating) {
                TextField("Username, a new room's name, or an invite code", text: $newName)
                    .textInputAutocapitalization(.never)
                Button("Message user") {
                    let name = newName
                    Task { if let room = await rooms.startDirect(with: name) { open(room) } }
                }
                Button("Create room") {
                    let name = newName
                    Task { if let room = await rooms.createPublic(named: name) { open(room) } }
                }
                Button("Join with invite code") {
                    let code = newName
                    Task { if let room = await rooms.join(inviteCode: code) { open(room) } }
                }
                Button("Cancel", role: .cancel) {}
            }
            .task { await rooms.refresh() }
            // A tapped notification: open its room, once the list knows it (at a cold
            // launch the list is still loading when the request arrives).
            .onReceive(model.$roomToOpen.combineLatest(rooms.$mine)) { room, mine in
                guard let room, let summary = mine.first(where: { $0.roomId == room }) else { return }
                model.roomToOpen = nil
                path = [summary]
            }
        }
    }

    private func open(_ room: RoomSummary) {
        newName = ""
        path.append(room)
    }
}

extension RoomListView {
    /// Swipe right: make the room a favorite (listed first), or take it out of them.
    fileprivate func favoriteAction(_ room: RoomSummary) -> some View {
        let favorite = room.placement == .favorite
        return Button {
            Task { await rooms.place(room, favorite ? nil : .favorite) }
        } label: {
            Label(favorite ? "Unfavorite" : "Favorite", systemImage: favorite ? "star.slash" : "star")
        }
        .tint(.yellow)
    }

    /// Swipe right, second: mark the room unread (a dot until it is read), or read it all.
    fileprivate func unreadAction(_ room: RoomSummary) -> some View {
        let unread = room.unreadCount > 0 || room.markedUnread
        return Button {
            Task { await rooms.markUnread(room, !unread) }
        } label: {
            Label(unread ? "Read" : "Unread", systemImage: unread ? "envelope.open" : "envelope.badge")
        }
        .tint(.blue)
    }

    /// Swipe left: set the room aside among the archived ones (it is not muted), or back.
    fileprivate func archiveAction(_ room: RoomSummary) -> some View {
        let archived = room.placement == .archived
        return Button {
            Task { await rooms.place(room, archived ? nil : .archived) }
        } label: {
            Label(archived ? "Unarchive" : "Archive", systemImage: archived ? "tray.and.arrow.up" : "archivebox")
        }
        .tint(.indigo)
    }
}

private struct RoomRow: View {
    let client: ChatClient
    let room: RoomSummary

    var body: some View {
        HStack {
            // The room's picture; a direct room's is the other member's.
            AvatarView(client: client, avatarId: room.avatarId, name: room.name)
            VStack(alignment: .leading, spacing: 2) {
                HStack(spacing: 4) {
                    if room.placement == .favorite {
                        Image(systemName: "star.fill")
                            .foregroundStyle(.yellow)
                            .accessibilityLabel("Favorite")
                    }
                    Text(room.name.isEmpty ? "(no name)" : room.name)
                }
                Text(room.lastMessage?.content ?? kind)
                    .font(.caption)
                    .foregroundStyle(.secondary)
                    .lineLimit(1)
            }
            Spacer()
            // Someone mentioned the user among the unread messages.
            if room.mentionCount > 0 {
                Text(verbatim: "@")
                    .font(.caption.bold())
                    .foregroundStyle(.white)
                    .padding(.horizontal, 6)
                    .padding(.vertical, 2)
                    .background(Capsule().fill(Color.orange))
                    .accessibilityLabel("Mentioned")
            }
            if room.unreadCount > 0 {
                Text("\(room.unreadCount)")
                    .font(.caption.bold())
                    .foregroundStyle(.white)
                    .padding(.horizontal, 7)
                    .padding(.vertical, 2)
                    .background(Capsule().fill(room.muted ? Color.gray : Color.accentColor))
            } else if room.markedUnread {
                // Marked unread with nothing to read: a dot.
                Circle()
                    .fill(room.muted ? Color.gray : Color.accentColor)
                    .frame(width: 10, height: 10)
                    .accessibilityLabel("Marked unread")
            }
        }
    }

    private var kind: String {
        switch room.visibility {
        case .direct: return "Direct"
        case .private: return "Private"
        case .public: return "Public"
        }
    }
}
