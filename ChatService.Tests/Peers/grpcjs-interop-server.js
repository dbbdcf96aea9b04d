#!/usr/bin/env node
// gRPC interop test server for ChatGrpc, built on @grpc/grpc-js: implements
// grpc.testing.TestService as the gRPC interop test descriptions specify, so
// the ChatGrpc client can be checked against an independent server.
//
// Usage:
//   node grpcjs-interop-server.js --port=P
//
// Binds 127.0.0.1:P without TLS, prints "listening P" once bound, and exits on
// SIGTERM / SIGINT.
//
// Server features: EmptyCall, UnaryCall, StreamingOutputCall (with
// interval_us), StreamingInputCall, FullDuplexCall, HalfDuplexCall,
// CompressedRequest (expect_compressed), Echo Status (response_status) and
// Echo Metadata (x-grpc-test-echo-initial / x-grpc-test-echo-trailing-bin).
// UnimplementedCall and UnimplementedService are deliberately not implemented.
'use strict';

const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const PROTO_ROOT = path.join(__dirname, '../../protos');
const packageDefinition = protoLoader.loadSync('grpc/testing/test.proto', {
  includeDirs: [PROTO_ROOT],
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
});
const testing = grpc.loadPackageDefinition(packageDefinition).grpc.testing;

const ECHO_INITIAL_KEY = 'x-grpc-test-echo-initial';
const ECHO_TRAILING_KEY = 'x-grpc-test-echo-trailing-bin';

// ---------------------------------------------------------------------------
// Per-message compression flag.
//
// The CompressedRequest feature needs to know whether each request message
// arrived with the compressed-flag byte set. grpc-js does not expose that to
// handlers, so a server interceptor wraps the decompression step of the
// underlying call (the first interceptor receives grpc-js's base server call,
// whose decompressMessage(frame, encoding) is handed every length-prefixed
// frame, in arrival order, before decoding) and records the flag byte of each
// frame. The interceptor's listener then tags every decoded request object
// with that flag under the WAS_COMPRESSED symbol.
const WAS_COMPRESSED = Symbol('wasCompressed');
let compressionFlagVisible = true;

function compressionFlagInterceptor(methodDescriptor, call) {
  const flags = [];
  if (typeof call.decompressMessage === 'function') {
    const original = call.decompressMessage;
    call.decompressMessage = function (frame, encoding) {
      flags.push(frame.length > 0 && frame.readUInt8(0) === 1);
      return original.call(this, frame, encoding);
    };
  } else if (compressionFlagVisible) {
    compressionFlagVisible = false;
    process.stderr.write('warning: grpc-js internals changed; expect_compressed checks are disabled\n');
  }
  return new grpc.ServerInterceptingCall(call, {
    start(next) {
      next({
        onReceiveMessage(message, nextMessage) {
          const compressed = flags.length ? flags.shift() : undefined;
          if (message !== null && typeof message === 'object') {
            Object.defineProperty(message, WAS_COMPRESSED, { value: compressed, enumerable: false });
          }
          nextMessage(message);
        },
      });
    },
  });
}

// Returns a status object when the request's expect_compressed does not match
// how the message actually arrived, otherwise null.
function checkExpectedCompression(request) {
  if (!compressionFlagVisible) return null;
  const expected = request.expect_compressed ? request.expect_compressed.value : false;
  const actual = request[WAS_COMPRESSED] === true;
  if (expected && !actual) {
    return { code: grpc.status.INVALID_ARGUMENT, details: 'Expected compressed request, but the message was not compressed' };
  }
  if (!expected && actual && request.expect_compressed) {
    return { code: grpc.status.INVALID_ARGUMENT, details: 'Request was compressed, but expect_compressed is false' };
  }
  return null;
}

// ---------------------------------------------------------------------------
// Helpers

function zeros(n) {
  return Buffer.alloc(n);
}

function makePayload(type, size) {
  return { type, body: zeros(size) };
}

function checkResponseType(type) {
  if (type !== 'COMPRESSABLE') {
    return { code: grpc.status.INVALID_ARGUMENT, details: `Unsupported response_type ${type}` };
  }
  return null;
}

function echoStatus(request) {
  const st = request.response_status;
  if (st && st.code !== 0) return { code: st.code, details: st.message };
  return null;
}

// Sends the echoed initial metadata (if requested) and returns the trailing
// metadata to send with the status.
function echoMetadata(call) {
  const initial = call.metadata.get(ECHO_INITIAL_KEY);
  if (initial.length > 0) {
    const md = new grpc.Metadata();
    for (const v of initial) md.add(ECHO_INITIAL_KEY, v);
    call.sendMetadata(md);
  }
  const trailers = new grpc.Metadata();
  for (const v of call.metadata.get(ECHO_TRAILING_KEY)) trailers.add(ECHO_TRAILING_KEY, v);
  return trailers;
}

function sleep(ms, call) {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => { call.off('cancelled', onCancel); resolve(); }, ms);
    const onCancel = () => { clearTimeout(t); resolve(); };
    call.once('cancelled', onCancel);
  });
}

function writeAsync(call, message) {
  return new Promise((resolve) => call.write(message, () => resolve()));
}

// Sends one StreamingOutputCallResponse per ResponseParameters, sleeping
// interval_us before each. Returns false if the call was cancelled meanwhile.
async function sendResponses(call, request) {
  for (const params of request.response_parameters) {
    await sleep(Math.floor((params.interval_us || 0) / 1000), call);
    if (call.cancelled) return false;
    await writeAsync(call, { payload: makePayload(request.response_type, params.size) });
  }
  return !call.cancelled;
}

// Async iteration over the request side of a duplex call. The stream must
// not be destroyed when iteration finishes (Node's default for `for await`),
// or its response side could no longer send messages and the status.
function readRequests(call) {
  return call.iterator({ destroyOnReturn: false });
}

function failStream(call, status, trailers) {
  call.emit('error', { ...status, metadata: trailers });
}

// ---------------------------------------------------------------------------
// TestService

const handlers = {
  EmptyCall(call, callback) {
    const trailers = echoMetadata(call);
    callback(null, {}, trailers);
  },

  UnaryCall(call, callback) {
    const trailers = echoMetadata(call);
    const request = call.request;
    const error = checkExpectedCompression(request) || echoStatus(request) || checkResponseType(request.response_type);
    if (error) {
      callback({ ...error, metadata: trailers });
      return;
    }
    callback(null, { payload: makePayload(request.response_type, request.response_size) }, trailers);
  },

  CacheableUnaryCall(call, callback) {
    const trailers = echoMetadata(call);
    callback(null, { payload: { type: 'COMPRESSABLE', body: Buffer.from(String(process.hrtime.bigint())) } }, trailers);
  },

  async StreamingOutputCall(call) {
    const trailers = echoMetadata(call);
    const request = call.request;
    const error = checkResponseType(request.response_type);
    if (error) { failStream(call, error, trailers); return; }
    if (!(await sendResponses(call, request))) return;
    const status = echoStatus(request);
    if (status) { failStream(call, status, trailers); return; }
    call.end(trailers);
  },

  StreamingInputCall(call, callback) {
    const trailers = echoMetadata(call);
    let total = 0;
    let failed = false;
    call.on('data', (request) => {
      if (failed) return;
      const error = checkExpectedCompression(request);
      if (error) {
        failed = true;
        callback({ ...error, metadata: trailers });
        return;
      }
      total += request.payload ? request.payload.body.length : 0;
    });
    call.on('end', () => {
      if (!failed) callback(null, { aggregated_payload_size: total }, trailers);
    });
    call.on('error', () => {});
  },

  async FullDuplexCall(call) {
    const trailers = echoMetadata(call);
    try {
      for await (const request of readRequests(call)) {
        const status = echoStatus(request) || checkResponseType(request.response_type);
        if (status) { failStream(call, status, trailers); return; }
        if (!(await sendResponses(call, request))) return;
      }
    } catch (e) {
      return; // cancelled or errored while reading
    }
    if (!call.cancelled) call.end(trailers);
  },

  // Buffers every request until the client half-closes, then responds.
  async HalfDuplexCall(call) {
    const trailers = echoMetadata(call);
    const requests = [];
    try {
      for await (const request of readRequests(call)) requests.push(request);
    } catch (e) {
      return;
    }
    for (const request of requests) {
      const status = echoStatus(request) || checkResponseType(request.response_type);
      if (status) { failStream(call, status, trailers); return; }
      if (!(await sendResponses(call, request))) return;
    }
    if (!call.cancelled) call.end(trailers);
  },
};

// ---------------------------------------------------------------------------

function parseArgs(argv) {
  const args = {};
  for (const arg of argv) {
    const m = /^--([^=]+)=(.*)$/.exec(arg);
    if (!m) throw new Error(`unrecognised argument ${arg}`);
    args[m[1]] = m[2];
  }
  return args;
}

function main() {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${e.message}\n`);
    process.exit(2);
  }
  const port = Number(args.port);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    process.stderr.write('usage: node grpcjs-interop-server.js --port=P\n');
    process.exit(2);
  }
  if (args.use_tls && args.use_tls !== 'false') {
    process.stderr.write('--use_tls=true is not supported by this server\n');
    process.exit(2);
  }

  const { UnimplementedCall, ...implemented } = testing.TestService.service;
  const server = new grpc.Server({ interceptors: [compressionFlagInterceptor] });
  server.addService(implemented, handlers);

  const shutdown = () => {
    server.forceShutdown();
    process.exit(0);
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);

  server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, boundPort) => {
    if (err) {
      process.stderr.write(`bind 127.0.0.1:${port} failed: ${err.message}\n`);
      process.exit(1);
    }
    process.stdout.write(`listening ${boundPort}\n`);
  });
}

main();
