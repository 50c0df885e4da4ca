import ChatKit
import SwiftUI

/// One line of a room's timeline: a message, or a membership or settings notice.
enum TimelineEntry: Identifiable {
    case message(LocalMessage)
    case notice(RoomNotice)

    var id: String {
        switch self {
        case .message(let message): return message.clientMsgId
        case .notice(let notice): return "notice-\(notice.seq)"
        }
    }

    /// Messages and notices merged by seq, oldest first (pending messages, with no seq,
    /// last).
    static func merge(_ messages: [LocalMessage], _ notices: [RoomNotice]) -> [TimelineEntry] {
        var entries: [TimelineEntry] = []
        var next = notices.startIndex
        for message in messages {
            let seq = message.seq ?? UInt64.max
            while next < notices.endIndex, notices[next].seq < seq {
                entries.append(.notice(notices[next]))
                next += 1
            }
            entries.append(.message(message))
        }
        entries.append(contentsOf: notices[next...].map { .notice($0) })
        return entries
    }
}

/// What a notice says: "ann made bob an admin", "bob left".
func describe(_ notice: RoomNotice, names: [String: String]) -> String {
    func name(_ id: String) -> String { names[id] ?? String(id.prefix(8)) }
    let by = name(notice.by)
    switch notice.change {
    case .settings(let roomName, let topic, let whoCanAdd, let avatarId):
        var parts: [String] = []
        if let roomName { parts.append("renamed the room to \(roomName)") }
        if let topic { parts.append(topic.isEmpty ? "removed the topic" : "set the topic to \(topic)") }
        if let whoCanAdd {
            parts.append(whoCanAdd == .admins ? "let only admins add members" : "let every member add members")
        }
        if let avatarId { parts.append(avatarId.isEmpty ? "removed the room's picture" : "changed the room's picture") }
        return "\(by) \(parts.joined(separator: ", "))"
    case .member(let userId, let change, let role):
        let who = name(userId)
        switch change {
        case .joined: return userId == notice.by ? "\(who) joined" : "\(by) added \(who)"
        case .left: return "\(who) left"
        case .kicked: return "\(by) removed \(who)"
        case .banned: return "\(by) banned \(who)"
        case .unbanned: return "\(by) lifted the ban on \(who)"
        case .role:
            switch role {
            case .owner: return "\(who) now owns the room"
            case .admin: return "\(by) made \(who) an admin"
            default: return "\(by) made \(who) a member"
            }
        }
    }
}

/// A notice, centred between the messages.
struct NoticeLine: View {
    let text: String

    var body: some View {
        Text(verbatim: text)
            .font(.caption2)
            .foregroundStyle(.secondary)
            .frame(maxWidth: .infinity)
    }
}
