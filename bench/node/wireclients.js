'use strict';
// Wire-level chat sessions for the load generator. They open the same sessions as the library
// clients (one connection each, the same frames, the same servers) but do less work per received
// message, so that one Node process receiving a whole room's fan-out is not what limits a step.
//
//   gRPC (ours and the grpc-js peer): node:http2 with the gRPC message framing done here. A
//   ServerFrame carrying a ChatMessage is read with a few varint steps (room, seq, text); every
//   other frame goes through the generated deserializer, as grpc-js would do it.
//   Socket.io: a `ws` WebSocket speaking the Engine.IO 4 / Socket.IO 5 packet format (open, ping,
//   connect with auth, events, acks), as socket.io-client does over its websocket transport.
//
// Both return the session object loadgen.js's drivers return: ready, closed, epoch, join, send,
// pauseReading, resumeReading, close.

const http2 = require('http2');
const grpcFrames = require('./grpcframes');

const SERVER_FRAME_MESSAGE = 12; // ServerFrame.message (chat.v1)
const MESSAGE_ROOM = 1; // ChatMessage.room
const MESSAGE_SEQ = 2; // ChatMessage.seq
const MESSAGE_TEXT = 6; // ChatMessage.text

// RST_STREAM codes a gRPC client maps to a status (the gRPC HTTP/2 mapping).
const RESET_STATUS = { 0x7: '14 UNAVAILABLE (REFUSED_STREAM)', 0x8: '1 CANCELLED', 0xb: '8 RESOURCE_EXHAUSTED (ENHANCE_YOUR_CALM)' };

function readVarint(buf, at) {
  let value = 0;
  let scale = 1;
  for (;;) {
    const b = buf[at++];
    value += (b & 0x7f) * scale;
    if (b < 0x80) return [value, at];
    scale *= 128;
  }
}

function skipField(buf, at, wireType) {
  switch (wireType) {
    case 0: return readVarint(buf, at)[1];
    case 1: return at + 8;
    case 2: {
      const [len, start] = readVarint(buf, at);
      return start + len;
    }
    case 5: return at + 4;
    default: throw new Error(`protobuf wire type ${wireType} not expected in a ServerFrame`);
  }
}

/** If the ServerFrame in buf[start, end) carries a ChatMessage, calls onMessage and returns true. */
function readChatMessage(buf, start, end, onMessage) {
  let at = start;
  while (at < end) {
    const [tag, next] = readVarint(buf, at);
    const field = Math.floor(tag / 8);
    if (field !== SERVER_FRAME_MESSAGE || (tag & 7) !== 2) {
      at = skipField(buf, next, tag & 7);
      continue;
    }
    const [len, body] = readVarint(buf, next);
    const stop = body + len;
    let room = '';
    let seq = 0;
    let text = '';
    let p = body;
    while (p < stop) {
      const [t, q] = readVarint(buf, p);
      const f = Math.floor(t / 8);
      if (f === MESSAGE_SEQ && (t & 7) === 0) {
        [seq, p] = readVarint(buf, q);
      } else if ((f === MESSAGE_TEXT || f === MESSAGE_ROOM) && (t & 7) === 2) {
        const [l, s] = readVarint(buf, q);
        const value = buf.toString('utf8', s, s + l);
        if (f === MESSAGE_TEXT) text = value;
        else room = value;
        p = s + l;
      } else {
        p = skipField(buf, q, t & 7);
      }
    }
    onMessage(text, seq, room);
    return true;
  }
  return false;
}

/**
 * One HTTP/2 connection with one Connect stream on it (a session, as every device would have).
 * `end(why)` reports once and drops the connection; `close()` is the client leaving.
 */
function connectStream(port, headers, onEnd) {
  const connection = http2.connect(`http://127.0.0.1:${port}`);
  let ended = false;
  const end = (why) => {
    if (ended) return;
    ended = true;
    onEnd(why);
    connection.destroy();
  };
  connection.on('error', (e) => end(`connection error: ${e.message}`));
  const stream = connection.request({
    ':method': 'POST',
    ':path': '/chat.v1.ChatService/Connect',
    'content-type': 'application/grpc',
    te: 'trailers',
    ...headers,
  });
  stream.on('error', () => {}); // the close handler reports it
  const close = () => {
    ended = true;
    stream.close(http2.constants.NGHTTP2_CANCEL);
    connection.close();
  };
  return { stream, end, close };
}

/**
 * Opens Connect streams with node:http2. `serialize` / `deserialize` are the proto-loader
 * functions for ClientFrame and ServerFrame; `onFrame(frame)` handles a decoded non-message frame
 * the way the library driver does (welcome, replies by request_id).
 */
function grpcWireSession({ port, token, serialize, deserialize, onMessage, onFrame, onEnd }) {
  const { stream, end, close } = connectStream(port, { authorization: `Bearer ${token}` }, onEnd);
  const statusOf = (headers) => `${headers['grpc-status']} ${decodeURIComponent(headers['grpc-message'] || '')}`;
  stream.on('response', (headers) => {
    if (headers['grpc-status'] !== undefined) end(`stream ended: ${statusOf(headers)}`); // trailers-only
  });
  stream.on('trailers', (trailers) => end(`stream ended: ${statusOf(trailers)}`));
  stream.on('close', () => {
    const code = stream.rstCode;
    end(code ? `stream ended: ${RESET_STATUS[code] || `13 INTERNAL (RST_STREAM ${code})`}` : 'stream ended by the server');
  });

  stream.on('data', grpcFrames.splitter((buf, start, stop) => {
    if (!readChatMessage(buf, start, stop, onMessage)) onFrame(deserialize(buf.subarray(start, stop)));
  }));

  return {
    write(frame) {
      stream.write(grpcFrames.frame(serialize(frame)));
    },
    pause() { stream.pause(); },
    resume() { stream.resume(); },
    close,
  };
}

/**
 * The idle floor's session (bench/KestrelFloor): the same connection and stream as grpcWireSession,
 * ready when the response headers arrive, since bare Kestrel sends no welcome.
 */
function floorWireSession({ port, onReady, onEnd }) {
  const { stream, end, close } = connectStream(port, {}, onEnd);
  stream.on('response', onReady);
  stream.on('close', () => end('stream ended by the server'));
  return { close };
}

/** A Socket.IO session on a raw WebSocket: the name goes in the connect packet's auth, as the peer expects. */
function socketioWireSession({ port, name, onMessage, onEnd, onConnected, onConnectError }) {
  const WebSocket = require('ws');
  const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`, { perMessageDeflate: false });
  const acks = new Map();
  let nextAck = 0;
  let ended = false;
  const end = (why) => {
    if (ended) return;
    ended = true;
    for (const a of acks.values()) a.reject(new Error(why));
    acks.clear();
    onEnd(why);
  };
  ws.on('message', (data) => {
    const packet = data.toString();
    switch (packet[0]) {
      case '0': // Engine.IO open: connect to the main namespace with our auth
        ws.send(`40${JSON.stringify({ name })}`);
        return;
      case '2': // ping
        ws.send('3');
        return;
      case '1':
        end('disconnected: transport close');
        return;
      case '4':
        break;
      default:
        return;
    }
    switch (packet[1]) {
      case '0':
        onConnected();
        return;
      case '4':
        onConnectError(new Error(`connect_error: ${packet.slice(2)}`));
        return;
      case '1':
        end('disconnected: io server disconnect');
        return;
      case '2': { // event: 42["message", {...}]
        const [event, payload] = JSON.parse(packet.slice(2));
        if (event === 'message') onMessage(payload.text, payload.seq, payload.room);
        return;
      }
      case '3': { // ack: 43<id>[response]
        let i = 2;
        while (packet.charCodeAt(i) >= 48 && packet.charCodeAt(i) <= 57) i++;
        const id = Number(packet.slice(2, i));
        const waiting = acks.get(id);
        if (!waiting) return;
        acks.delete(id);
        waiting.resolve(JSON.parse(packet.slice(i))[0]);
        return;
      }
      default:
    }
  });
  ws.on('error', (e) => {
    onConnectError(e);
    end(`disconnected: ${e.message}`);
  });
  ws.on('close', () => end('disconnected: transport close'));
  return {
    emitWithAck(event, payload, timeoutMs) {
      return new Promise((resolve, reject) => {
        if (ended) {
          reject(new Error('socket closed'));
          return;
        }
        const id = nextAck++;
        const timer = setTimeout(() => {
          acks.delete(id);
          reject(new Error(`${event}: no ack in ${timeoutMs} ms`));
        }, timeoutMs);
        acks.set(id, {
          resolve: (v) => { clearTimeout(timer); resolve(v); },
          reject: (e) => { clearTimeout(timer); reject(e); },
        });
        ws.send(`42${id}${JSON.stringify([event, payload])}`);
      });
    },
    pause() { ws._socket && ws._socket.pause(); },
    resume() { ws._socket && ws._socket.resume(); },
    close() {
      ended = true;
      ws.close();
    },
  };
}

module.exports = { grpcWireSession, floorWireSession, socketioWireSession, readChatMessage };
