'use strict';
// gRPC message framing (a 1-byte compressed flag and a 4-byte big-endian length before each
// message) for the bench's clients that speak gRPC on node:http2 directly.

/** One serialized message as a gRPC frame. */
function frame(body) {
  const out = Buffer.alloc(5 + body.length);
  out.writeUInt32BE(body.length, 1);
  body.copy(out, 5);
  return out;
}

/**
 * A 'data' handler that calls onMessage(buf, start, stop) once per complete message, holding on
 * to a partial one until the rest arrives.
 */
function splitter(onMessage) {
  let pending = null;
  return (chunk) => {
    const buf = pending ? Buffer.concat([pending, chunk]) : chunk;
    pending = null;
    let at = 0;
    while (buf.length - at >= 5) {
      const len = buf.readUInt32BE(at + 1);
      if (buf.length - at - 5 < len) break;
      if (buf[at] !== 0) throw new Error('compressed gRPC message: the bench never asks for compression');
      onMessage(buf, at + 5, at + 5 + len);
      at += 5 + len;
    }
    if (at < buf.length) pending = buf.subarray(at);
  };
}

module.exports = { frame, splitter };
