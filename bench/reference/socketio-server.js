// A minimal Socket.IO chat server with rooms: the other stack a small team would start
// from. Nothing is stored: a message is emitted to the room's other sockets and
// acknowledged to its sender. chat-bench drives it (bench/chat-bench/src/target/socketio.rs).
//
//   node socketio-server.js <port>  listens on 127.0.0.1, prints "listening <port>"
//
// Connect with ?room=<room>&user=<user>; emit("msg", body, ack): the room's other sockets
// get ("msg", user, body). A body that is not a string is refused through the ack.
'use strict';
const http = require('http');
const { Server } = require('socket.io');

const MAX_FRAME = 64 * 1024;
const port = Number(process.argv[2] || 0);
const httpServer = http.createServer();
const io = new Server(httpServer, {
  transports: ['websocket'],
  serveClient: false,
  perMessageDeflate: false,
  maxHttpBufferSize: MAX_FRAME,
});

io.on('connection', (socket) => {
  const { room, user } = socket.handshake.query;
  if (typeof room !== 'string' || typeof user !== 'string' || !room || !user) {
    socket.disconnect(true);
    return;
  }
  socket.join(room);
  socket.on('msg', (body, ack) => {
    const reply = typeof ack === 'function' ? ack : () => {};
    if (typeof body !== 'string') {
      reply({ error: 'the message body must be a string' });
      return;
    }
    socket.to(room).emit('msg', user, body);
    reply();
  });
});

httpServer.listen(port, '127.0.0.1', () => console.log(`listening ${httpServer.address().port}`));

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
