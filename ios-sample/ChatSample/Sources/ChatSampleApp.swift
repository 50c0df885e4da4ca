// The SwiftUI sample: sign in, rooms, and a chat screen over ChatKit.

import ChatKit
import SwiftUI

@main
struct ChatSampleApp: App {
    @UIApplicationDelegateAdaptor(PushDelegate.self) private var pushDelegate
    @StateObject private var model = AppModel(serverURL: AppModel.configuredServerURL)
    @Environment(\.scenePhase) private var scenePhase

    var body: some Scene {
        WindowGroup {
            Group {
                if let user = model.signedIn {
                    RoomListView(user: user, model: model)
                        .id(user.session.userId)
                } else {
                    LoginView(model: model)
                }
            }
            // Back in the foreground: reconnect now rather than after the backoff.
            .onChange(of: scenePhase) { phase in
                if phase == .active {
                    model.networkAvailable()
                } else if phase == .background {
                    model.enteredBackground()
                }
            }
        }
    }
}
