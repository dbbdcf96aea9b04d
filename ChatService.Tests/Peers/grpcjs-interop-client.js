#!/usr/bin/env node
// gRPC interop test client for ChatGrpc, built on @grpc/grpc-js (an independent
// HTTP/2 gRPC implementation) so the ChatGrpc server can be checked against a
// peer that shares none of its code.
//
// Usage:
//   node grpcjs-interop-client.js --server_host=127.0.0.1 --server_port=P --test_case=NAME
//
// Test cases follow the gRPC interop test descriptions
// (doc/interop-test-descriptions.md in the gRPC repository).
// On success prints "OK: NAME" and exits 0; on failure prints one line to
// stderr and exits 1.  Every case is bounded by CASE_TIMEOUT_MS.
'use strict';

const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const CASE_TIMEOUT_MS = 20000;
// Deadline given to ordinary RPCs, so a stuck call reports DEADLINE_EXCEEDED
// instead of hanging until the whole case times out.
const RPC_DEADLINE_MS = 15000;

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
const ECHO_INITIAL_VALUE = 'test_initial_metadata_value';
const ECHO_TRAILING_KEY = 'x-grpc-test-echo-trailing-bin';
const ECHO_TRAILING_VALUE = Buffer.from([0xab, 0xab, 0xab]);
const SPECIAL_STATUS_MESSAGE =
  '\t\ntest with whitespace\r\nand Unicode BMP \u263A and non-BMP \uD83D\uDE08\t\n';

// grpc-js write flag that disables compression for one message
// (WriteFlags.NoCompress in grpc-js; passed as the "encoding" argument of write()).
const WRITE_FLAG_NO_COMPRESS = 2;

class AssertionFailure extends Error {}

function assert(condition, message) {
  if (!condition) throw new AssertionFailure(message);
}

function zeros(n) {
  return Buffer.alloc(n);
}

function isAllZero(buf) {
  for (let i = 0; i < buf.length; i++) if (buf[i] !== 0) return false;
  return true;
}

function statusName(code) {
  for (const [name, value] of Object.entries(grpc.status)) if (value === code) return name;
  return String(code);
}

function describeError(err) {
  if (err && typeof err.code === 'number') {
    return `status ${statusName(err.code)} (${err.code}): ${JSON.stringify(err.details)}`;
  }
  return String(err && err.message ? err.message : err);
}

function deadline(ms = RPC_DEADLINE_MS) {
  return new Date(Date.now() + ms);
}

function parseArgs(argv) {
  const args = {};
  for (const arg of argv) {
    const m = /^--([^=]+)=(.*)$/.exec(arg);
    if (!m) throw new AssertionFailure(`unrecognised argument ${arg}`);
    args[m[1]] = m[2];
  }
  return args;
}

// ---------------------------------------------------------------------------
// Call helpers (promise wrappers that keep headers and trailers)

// Unary call; resolves { response, headers, trailers } or rejects with the
// grpc-js error (err.code / err.details / err.metadata).
function unary(client, method, request, { metadata = new grpc.Metadata(), options = {} } = {}) {
  return new Promise((resolve, reject) => {
    let headers = null;
    let trailers = null;
    let result = null;
    let error = null;
    let settled = 0;
    const finish = () => {
      // Both the callback and the 'status' event must have fired.
      if (++settled < 2) return;
      if (error) {
        error.headers = headers;
        reject(error);
      } else {
        resolve({ response: result, headers, trailers });
      }
    };
    const call = client[method](request, metadata, { deadline: deadline(), ...options }, (err, resp) => {
      error = err;
      result = resp;
      finish();
    });
    call.on('metadata', (md) => { headers = md; });
    call.on('status', (st) => { trailers = st.metadata; finish(); });
  });
}

// Waits for a streaming call's final status. Resolves with
// { status, headers, responses } where status is the grpc-js StatusObject;
// never rejects on a non-OK status (the caller checks the code).
function collectStream(call) {
  return new Promise((resolve) => {
    const responses = [];
    let headers = null;
    let status = null;
    let ended = false;
    let errored = false;
    const maybeDone = () => {
      // grpc-js emits 'status' after 'end' (OK) or alongside 'error' (non-OK).
      if (status && (ended || errored)) resolve({ status, headers, responses });
    };
    call.on('metadata', (md) => { headers = md; });
    call.on('data', (d) => responses.push(d));
    call.on('end', () => { ended = true; maybeDone(); });
    call.on('error', () => { errored = true; maybeDone(); });
    call.on('status', (st) => { status = st; maybeDone(); });
  });
}

function expectStatus(err, code, what) {
  assert(err && typeof err.code === 'number',
    `${what}: expected ${statusName(code)}, got ${describeError(err)}`);
  assert(err.code === code, `${what}: expected ${statusName(code)}, got ${describeError(err)}`);
}

function waitForReady(client) {
  return new Promise((resolve, reject) => {
    client.waitForReady(deadline(), (err) => (err ? reject(new AssertionFailure(`channel not ready: ${err.message}`)) : resolve()));
  });
}

function echoMetadata() {
  const md = new grpc.Metadata();
  md.set(ECHO_INITIAL_KEY, ECHO_INITIAL_VALUE);
  md.set(ECHO_TRAILING_KEY, ECHO_TRAILING_VALUE);
  return md;
}

function checkEchoedMetadata(headers, trailers, what) {
  const initial = headers ? headers.get(ECHO_INITIAL_KEY) : [];
  assert(initial.length === 1 && initial[0] === ECHO_INITIAL_VALUE,
    `${what}: initial metadata ${ECHO_INITIAL_KEY} expected ${JSON.stringify(ECHO_INITIAL_VALUE)}, got ${JSON.stringify(initial)}`);
  const trailing = trailers ? trailers.get(ECHO_TRAILING_KEY) : [];
  assert(trailing.length === 1 && Buffer.isBuffer(trailing[0]) && trailing[0].equals(ECHO_TRAILING_VALUE),
    `${what}: trailing metadata ${ECHO_TRAILING_KEY} expected 0xababab, got ${JSON.stringify(trailing.map((v) => (Buffer.isBuffer(v) ? v.toString('hex') : v)))}`);
}

function checkPayload(payload, size, what) {
  assert(payload, `${what}: response has no payload`);
  assert(payload.type === 'COMPRESSABLE', `${what}: payload type ${payload.type}, expected COMPRESSABLE`);
  assert(payload.body.length === size, `${what}: payload body is ${payload.body.length} bytes, expected ${size}`);
  assert(isAllZero(payload.body), `${what}: payload body is not all zeros`);
}

// ---------------------------------------------------------------------------
// Test cases. Each receives a context { makeClient(service, options) }.

const cases = {
  async empty_unary({ makeClient }) {
    const client = makeClient('TestService');
    const { response } = await unary(client, 'EmptyCall', {});
    assert(response !== null && typeof response === 'object', 'empty_unary: response is null');
  },

  async large_unary({ makeClient }) {
    const client = makeClient('TestService');
    const { response } = await unary(client, 'UnaryCall', {
      response_type: 'COMPRESSABLE',
      response_size: 314159,
      payload: { type: 'COMPRESSABLE', body: zeros(271828) },
    });
    checkPayload(response.payload, 314159, 'large_unary');
  },

  async client_compressed_unary({ makeClient }) {
    // The probe and the uncompressed call go through a channel without
    // compression; the compressed call goes through a gzip channel.
    const plain = makeClient('TestService');
    const gzip = makeClient('TestService', { 'grpc.default_compression_algorithm': grpc.compressionAlgorithms.gzip });
    const request = (expectCompressed) => ({
      response_type: 'COMPRESSABLE',
      response_size: 314159,
      payload: { type: 'COMPRESSABLE', body: zeros(271828) },
      expect_compressed: { value: expectCompressed },
    });

    // 1. Probe: uncompressed message claiming to be compressed -> INVALID_ARGUMENT.
    let probeErr = null;
    try {
      await unary(plain, 'UnaryCall', request(true));
    } catch (err) {
      probeErr = err;
    }
    assert(probeErr !== null, 'client_compressed_unary: probe (uncompressed request with expect_compressed=true) succeeded; server must fail it with INVALID_ARGUMENT');
    expectStatus(probeErr, grpc.status.INVALID_ARGUMENT, 'client_compressed_unary probe');

    // 2. Compressed message.
    const compressed = await unary(gzip, 'UnaryCall', request(true));
    checkPayload(compressed.response.payload, 314159, 'client_compressed_unary (compressed request)');

    // 3. Uncompressed message.
    const uncompressed = await unary(plain, 'UnaryCall', request(false));
    checkPayload(uncompressed.response.payload, 314159, 'client_compressed_unary (uncompressed request)');
  },

  async client_streaming({ makeClient }) {
    const client = makeClient('TestService');
    const response = await new Promise((resolve, reject) => {
      const call = client.StreamingInputCall(new grpc.Metadata(), { deadline: deadline() }, (err, resp) => (err ? reject(err) : resolve(resp)));
      for (const size of [27182, 8, 1828, 45904]) call.write({ payload: { body: zeros(size) } });
      call.end();
    });
    assert(response.aggregated_payload_size === 74922,
      `client_streaming: aggregated_payload_size ${response.aggregated_payload_size}, expected 74922`);
  },

  async client_compressed_streaming({ makeClient }) {
    const plain = makeClient('TestService');
    const gzip = makeClient('TestService', { 'grpc.default_compression_algorithm': grpc.compressionAlgorithms.gzip });

    // 1. Probe on an uncompressed channel: the message is not compressed but
    //    says expect_compressed=true -> INVALID_ARGUMENT.
    const probeErr = await new Promise((resolve) => {
      const call = plain.StreamingInputCall(new grpc.Metadata(), { deadline: deadline() }, (err) => resolve(err));
      call.write({ payload: { type: 'COMPRESSABLE', body: zeros(27182) }, expect_compressed: { value: true } });
      call.end();
    });
    assert(probeErr !== null, 'client_compressed_streaming: probe (uncompressed request with expect_compressed=true) succeeded; server must fail it with INVALID_ARGUMENT');
    expectStatus(probeErr, grpc.status.INVALID_ARGUMENT, 'client_compressed_streaming probe');

    // 2. One stream with grpc-encoding gzip: first message compressed, second
    //    message sent with grpc-js's per-message NoCompress write flag, so it
    //    goes out with the compressed-flag byte 0 inside the gzip stream.
    const response = await new Promise((resolve, reject) => {
      const call = gzip.StreamingInputCall(new grpc.Metadata(), { deadline: deadline() }, (err, resp) => (err ? reject(err) : resolve(resp)));
      call.write({ payload: { type: 'COMPRESSABLE', body: zeros(27182) }, expect_compressed: { value: true } });
      call.write({ payload: { type: 'COMPRESSABLE', body: zeros(45904) }, expect_compressed: { value: false } }, WRITE_FLAG_NO_COMPRESS);
      call.end();
    });
    assert(response.aggregated_payload_size === 73086,
      `client_compressed_streaming: aggregated_payload_size ${response.aggregated_payload_size}, expected 73086`);
  },

  async server_streaming({ makeClient }) {
    const client = makeClient('TestService');
    const sizes = [31415, 9, 2653, 58979];
    const call = client.StreamingOutputCall({
      response_type: 'COMPRESSABLE',
      response_parameters: sizes.map((size) => ({ size })),
    }, new grpc.Metadata(), { deadline: deadline() });
    const { status, responses } = await collectStream(call);
    assert(status.code === grpc.status.OK, `server_streaming: call failed with ${describeError(status)}`);
    assert(responses.length === sizes.length, `server_streaming: got ${responses.length} responses, expected ${sizes.length}`);
    responses.forEach((r, i) => checkPayload(r.payload, sizes[i], `server_streaming response ${i}`));
  },

  async ping_pong({ makeClient }) {
    const client = makeClient('TestService');
    const pairs = [[27182, 31415], [8, 9], [1828, 2653], [45904, 58979]];
    const call = client.FullDuplexCall(new grpc.Metadata(), { deadline: deadline() });
    const done = collectStream(call);
    // Responses are handed to the test loop one at a time, in order.
    const queue = [];
    const waiters = [];
    let finalStatus = null;
    call.on('data', (d) => (waiters.length ? waiters.shift().resolve(d) : queue.push(d)));
    call.on('status', (st) => {
      finalStatus = st;
      const e = new AssertionFailure(`ping_pong: call ended early: ${describeError(st)}`);
      while (waiters.length) waiters.shift().reject(e);
    });
    const nextResponse = () => {
      if (queue.length) return Promise.resolve(queue.shift());
      if (finalStatus) return Promise.reject(new AssertionFailure(`ping_pong: call ended early: ${describeError(finalStatus)}`));
      return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
    };
    for (let i = 0; i < pairs.length; i++) {
      const [reqSize, respSize] = pairs[i];
      call.write({
        response_type: 'COMPRESSABLE',
        response_parameters: [{ size: respSize }],
        payload: { body: zeros(reqSize) },
      });
      const resp = await nextResponse();
      checkPayload(resp.payload, respSize, `ping_pong response ${i}`);
    }
    call.end();
    const { status, responses } = await done;
    assert(status.code === grpc.status.OK, `ping_pong: call failed with ${describeError(status)}`);
    assert(responses.length === pairs.length, `ping_pong: got ${responses.length} responses, expected ${pairs.length}`);
  },

  async empty_stream({ makeClient }) {
    const client = makeClient('TestService');
    const call = client.FullDuplexCall(new grpc.Metadata(), { deadline: deadline() });
    const done = collectStream(call);
    call.end();
    const { status, responses } = await done;
    assert(status.code === grpc.status.OK, `empty_stream: call failed with ${describeError(status)}`);
    assert(responses.length === 0, `empty_stream: got ${responses.length} responses, expected 0`);
  },

  async timeout_on_sleeping_server({ makeClient }) {
    const client = makeClient('TestService');
    // Connect first so the 1 ms deadline is spent on the call, not on the
    // TCP/HTTP2 handshake.
    await waitForReady(client);
    const call = client.FullDuplexCall(new grpc.Metadata(), { deadline: new Date(Date.now() + 1) });
    const done = collectStream(call);
    call.write({ payload: { body: zeros(27182) } });
    const { status } = await done;
    assert(status.code === grpc.status.DEADLINE_EXCEEDED,
      `timeout_on_sleeping_server: expected DEADLINE_EXCEEDED, got ${describeError(status)}`);
  },

  async cancel_after_begin({ makeClient }) {
    const client = makeClient('TestService');
    await waitForReady(client);
    const status = await new Promise((resolve) => {
      const call = client.StreamingInputCall(new grpc.Metadata(), { deadline: deadline() }, () => {});
      call.on('status', resolve);
      // Give grpc-js one turn of the event loop to start the call (send its
      // headers), then cancel before any message is written.
      setImmediate(() => call.cancel());
    });
    assert(status.code === grpc.status.CANCELLED, `cancel_after_begin: expected CANCELLED, got ${describeError(status)}`);
  },

  async cancel_after_first_response({ makeClient }) {
    const client = makeClient('TestService');
    const call = client.FullDuplexCall(new grpc.Metadata(), { deadline: deadline() });
    let first = null;
    const status = await new Promise((resolve) => {
      call.on('data', (d) => {
        if (first === null) {
          first = d;
          call.cancel();
        }
      });
      call.on('error', () => {});
      call.on('status', resolve);
      call.write({
        response_type: 'COMPRESSABLE',
        response_parameters: [{ size: 31415 }],
        payload: { body: zeros(27182) },
      });
    });
    assert(first !== null, `cancel_after_first_response: call ended before the first response: ${describeError(status)}`);
    checkPayload(first.payload, 31415, 'cancel_after_first_response first response');
    assert(status.code === grpc.status.CANCELLED, `cancel_after_first_response: expected CANCELLED, got ${describeError(status)}`);
  },

  async custom_metadata({ makeClient }) {
    const client = makeClient('TestService');

    // 1. UnaryCall
    const u = await unary(client, 'UnaryCall', {
      response_type: 'COMPRESSABLE',
      response_size: 314159,
      payload: { type: 'COMPRESSABLE', body: zeros(271828) },
    }, { metadata: echoMetadata() });
    checkPayload(u.response.payload, 314159, 'custom_metadata UnaryCall');
    checkEchoedMetadata(u.headers, u.trailers, 'custom_metadata UnaryCall');

    // 2. FullDuplexCall
    const call = client.FullDuplexCall(echoMetadata(), { deadline: deadline() });
    const done = collectStream(call);
    call.write({
      response_type: 'COMPRESSABLE',
      response_parameters: [{ size: 314159 }],
      payload: { body: zeros(271828) },
    });
    call.end();
    const { status, headers, responses } = await done;
    assert(status.code === grpc.status.OK, `custom_metadata FullDuplexCall: call failed with ${describeError(status)}`);
    assert(responses.length === 1, `custom_metadata FullDuplexCall: got ${responses.length} responses, expected 1`);
    checkPayload(responses[0].payload, 314159, 'custom_metadata FullDuplexCall');
    checkEchoedMetadata(headers, status.metadata, 'custom_metadata FullDuplexCall');
  },

  async status_code_and_message({ makeClient }) {
    const client = makeClient('TestService');
    const code = 2;
    const message = 'test status message';

    // 1. UnaryCall
    let err = null;
    try {
      await unary(client, 'UnaryCall', { response_status: { code, message } });
    } catch (e) {
      err = e;
    }
    assert(err !== null, 'status_code_and_message UnaryCall: call succeeded, expected UNKNOWN');
    expectStatus(err, code, 'status_code_and_message UnaryCall');
    assert(err.details === message,
      `status_code_and_message UnaryCall: message ${JSON.stringify(err.details)}, expected ${JSON.stringify(message)}`);

    // 2. FullDuplexCall, then half-close
    const call = client.FullDuplexCall(new grpc.Metadata(), { deadline: deadline() });
    const done = collectStream(call);
    call.write({ response_status: { code, message } });
    call.end();
    const { status } = await done;
    assert(status.code === code, `status_code_and_message FullDuplexCall: expected UNKNOWN, got ${describeError(status)}`);
    assert(status.details === message,
      `status_code_and_message FullDuplexCall: message ${JSON.stringify(status.details)}, expected ${JSON.stringify(message)}`);
  },

  async special_status_message({ makeClient }) {
    const client = makeClient('TestService');
    const code = 2;
    let err = null;
    try {
      await unary(client, 'UnaryCall', { response_status: { code, message: SPECIAL_STATUS_MESSAGE } });
    } catch (e) {
      err = e;
    }
    assert(err !== null, 'special_status_message: call succeeded, expected UNKNOWN');
    expectStatus(err, code, 'special_status_message');
    assert(err.details === SPECIAL_STATUS_MESSAGE,
      `special_status_message: message ${JSON.stringify(err.details)}, expected ${JSON.stringify(SPECIAL_STATUS_MESSAGE)}`);
  },

  async unimplemented_method({ makeClient }) {
    const client = makeClient('TestService');
    let err = null;
    try {
      await unary(client, 'UnimplementedCall', {});
    } catch (e) {
      err = e;
    }
    assert(err !== null, 'unimplemented_method: call succeeded, expected UNIMPLEMENTED');
    expectStatus(err, grpc.status.UNIMPLEMENTED, 'unimplemented_method');
  },

  async unimplemented_service({ makeClient }) {
    const client = makeClient('UnimplementedService');
    let err = null;
    try {
      await unary(client, 'UnimplementedCall', {});
    } catch (e) {
      err = e;
    }
    assert(err !== null, 'unimplemented_service: call succeeded, expected UNIMPLEMENTED');
    expectStatus(err, grpc.status.UNIMPLEMENTED, 'unimplemented_service');
  },
};

// ---------------------------------------------------------------------------

function fail(message) {
  process.stderr.write(`FAIL: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
  process.exit(1);
}

async function main() {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    fail(e.message);
  }
  const host = args.server_host || '127.0.0.1';
  const port = args.server_port;
  const testCase = args.test_case;
  if (!port) fail('missing --server_port');
  if (!testCase) fail('missing --test_case');
  if (args.use_tls && args.use_tls !== 'false') fail('--use_tls=true is not supported by this client');
  const run = cases[testCase];
  if (!run) fail(`unknown test case ${testCase}; known: ${Object.keys(cases).join(', ')}`);

  const target = `${args.server_host_override ? args.server_host_override : host}:${port}`;
  const clients = [];
  const makeClient = (service, options = {}) => {
    const client = new testing[service](`${host}:${port}`, grpc.credentials.createInsecure(), {
      ...(args.server_host_override ? { 'grpc.default_authority': target } : {}),
      ...options,
    });
    clients.push(client);
    return client;
  };

  const timer = setTimeout(() => fail(`${testCase}: timed out after ${CASE_TIMEOUT_MS} ms`), CASE_TIMEOUT_MS);
  try {
    await run({ makeClient });
  } catch (e) {
    clearTimeout(timer);
    fail(e instanceof AssertionFailure ? e.message : `${testCase}: ${describeError(e)}`);
  }
  clearTimeout(timer);
  for (const c of clients) c.close();
  process.stdout.write(`OK: ${testCase}\n`);
  process.exit(0);
}

main();
