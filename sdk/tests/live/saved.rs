//! Saved messages through the SDK: saved on the phone, the laptop hears of it
//! (`SavedChanged`) and both list it; taken out again; refusals come back as errors.

use chat_protocol::v1::{ErrorCode, RoomVisibility};
use chat_sdk::{ChatClient, ClientEvent};

use crate::harness::{Server, connected, eventually, fast_config, refused_with, signed_up};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_saved_on_one_device_is_saved_on_every_device() {
    let server = Server::start().await;
    let url = format!("http://{}", server.addr);
    let (phone, session) = signed_up(&url, "ann").await;
    let room = phone
        .create_room("notes", RoomVisibility::Private, &[])
        .await
        .unwrap();
    phone.join_room(&room).unwrap();
    phone.connect().unwrap();
    connected(&phone).await;
    phone.send_message(&room, "the door code is 4711").unwrap();
    let mut message_id = None;
    eventually(5, "the message is acknowledged", || {
        message_id = phone
            .messages(&room, None, 10)
            .unwrap()
            .iter()
            .find_map(|m| m.message_id.clone());
        message_id.is_some()
    })
    .await;
    let message_id = message_id.unwrap();

    let laptop = ChatClient::open(fast_config(url, None)).unwrap();
    laptop.set_session(&session).unwrap();
    let mut laptop_events = laptop.subscribe();
    laptop.connect().unwrap();
    connected(&laptop).await;

    phone.save_message(&room, &message_id, true).await.unwrap();
    let heard = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        loop {
            if let Ok(ClientEvent::SavedChanged {
                room_id,
                message_id,
                saved,
            }) = laptop_events.recv().await
            {
                return (room_id, message_id, saved);
            }
        }
    })
    .await
    .expect("the laptop hears of the save");
    assert_eq!(heard, (room.clone(), message_id.clone(), true));
    let page = laptop.saved_messages(None, 20).await.unwrap();
    assert_eq!(page.saved.len(), 1);
    assert_eq!(page.saved[0].message.content, "the door code is 4711");
    assert_eq!(page.saved[0].message.room_id, room);
    assert!(page.saved[0].saved_at > 0);
    assert_eq!(page.next_before, None);

    laptop
        .save_message(&room, &message_id, false)
        .await
        .unwrap();
    assert!(
        phone
            .saved_messages(None, 20)
            .await
            .unwrap()
            .saved
            .is_empty()
    );
    let refused = phone.save_message(&room, "no-such-message", true).await;
    assert!(refused_with(&refused, ErrorCode::NotFound), "{refused:?}");
}
