// A minimal room-broadcast chat server on Node's `ws`: the stack a small team would start
// from. Nothing is stored: a message is sent to the sockets in the room at that moment and
// acknowledged to its sender. chat-bench drives it (bench/chat-bench/src/target/ws.rs).
//
//   node ws-server.js <port>        listens on 127.0.0.1, prints "listening <port>"
//
// Connect to ws://127.0.0.1:<port>/?room=<room>&user=<user>, then send
// {"id": "...", "body": "..."}: the room's other sockets get {"from", "body"}, the sender
// {"ack": id}. Malformed frames get {"error": "..."} and change nothing.
'use strict';
const { WebSocketServer, WebSocket } = require('ws');

const MAX_FRAME = 64 * 1024;
const port = Number(process.argv[2] || 0);
const rooms = new Map(); // room name -> Set of sockets

const server = new WebSocketServer({ host: '127.0.0.1', port, maxPayload: MAX_FRAME, perMessageDeflate: false });

server.on('listening', () => console.log(`listening ${server.address().port}`));

server.on('connection', (socket, request) => {
  const query = new URL(request.url, 'http://localhost').searchParams;
  const room = query.get('room');
  const user = query.get('user');
  if (!room || !user) {
    socket.close(4000, 'room and user are required');
    return;
  }
  let members = rooms.get(room);
  if (!members) rooms.set(room, (members = new Set()));
  members.add(socket);
  socket.on('close', () => {
    members.delete(socket);
    if (members.size === 0) rooms.delete(room);
  });
  socket.on('message', (data, isBinary) => {
    let message;
    try {
      message = isBinary ? null : JSON.parse(data);
    } catch {
      message = null;
    }
    if (!message || typeof message.id !== 'string' || typeof message.body !== 'string') {
      socket.send(JSON.stringify({ error: 'expected {"id": string, "body": string}' }));
      return;
    }
    const out = JSON.stringify({ from: user, body: message.body });
    for (const peer of members) {
      if (peer !== socket && peer.readyState === WebSocket.OPEN) peer.send(out);
    }
    socket.send(JSON.stringify({ ack: message.id }));
  });
});

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
