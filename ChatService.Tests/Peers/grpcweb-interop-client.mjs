#!/usr/bin/env node
// gRPC-Web interop test client for ChatGrpc, built on @connectrpc/connect-node's
// gRPC-Web transport (binary format, application/grpc-web+proto, over HTTP/1.1)
// and on message/service descriptors generated from protos/grpc/testing/*.proto
// by `npm run gen` (buf + protoc-gen-es, output in ./gen).
//
// Usage:
//   node grpcweb-interop-client.mjs --base_url=http://127.0.0.1:P --test_case=NAME
//
// gRPC-Web has no client streaming, so only the unary and server-streaming
// cases of the gRPC interop test descriptions are covered; custom_metadata and
// status_code_and_message run their UnaryCall part only, and
// timeout_on_sleeping_server uses a StreamingOutputCall whose single response
// is delayed (interval_us) far past a short deadline.
// On success prints "OK: NAME" and exits 0; on failure prints one line to
// stderr and exits 1.  Every case is bounded by CASE_TIMEOUT_MS.

import { createClient, ConnectError, Code, encodeBinaryHeader, decodeBinaryHeader } from '@connectrpc/connect';
import { createGrpcWebTransport } from '@connectrpc/connect-node';

const CASE_TIMEOUT_MS = 20000;
// Deadline given to ordinary RPCs so a stuck call fails rather than hangs.
const RPC_TIMEOUT_MS = 15000;

const ECHO_INITIAL_KEY = 'x-grpc-test-echo-initial';
const ECHO_INITIAL_VALUE = 'test_initial_metadata_value';
const ECHO_TRAILING_KEY = 'x-grpc-test-echo-trailing-bin';
const ECHO_TRAILING_VALUE = new Uint8Array([0xab, 0xab, 0xab]);
const SPECIAL_STATUS_MESSAGE =
  '\t\ntest with whitespace\r\nand Unicode BMP \u263A and non-BMP \uD83D\uDE08\t\n';

class AssertionFailure extends Error {}

function assert(condition, message) {
  if (!condition) throw new AssertionFailure(message);
}

function fail(message) {
  process.stderr.write(`FAIL: ${String(message).replace(/\s*\n\s*/g, ' ')}\n`);
  process.exit(1);
}

function codeName(code) {
  return Code[code] ?? String(code);
}

function describeError(err) {
  if (err instanceof ConnectError) {
    return `status ${codeName(err.code)} (${err.code}): ${JSON.stringify(err.rawMessage)}`;
  }
  return String(err && err.message ? err.message : err);
}

function zeros(n) {
  return new Uint8Array(n);
}

function isAllZero(bytes) {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
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

function checkPayload(payload, size, what, PayloadType) {
  assert(payload, `${what}: response has no payload`);
  assert(payload.type === PayloadType.COMPRESSABLE, `${what}: payload type ${payload.type}, expected COMPRESSABLE`);
  assert(payload.body.length === size, `${what}: payload body is ${payload.body.length} bytes, expected ${size}`);
  assert(isAllZero(payload.body), `${what}: payload body is not all zeros`);
}

async function expectError(promise, code, what) {
  try {
    await promise;
  } catch (err) {
    assert(err instanceof ConnectError, `${what}: expected ${codeName(code)}, got ${describeError(err)}`);
    assert(err.code === code, `${what}: expected ${codeName(code)}, got ${describeError(err)}`);
    return err;
  }
  throw new AssertionFailure(`${what}: call succeeded, expected ${codeName(code)}`);
}

const cases = {
  async empty_unary({ test }) {
    const response = await test.emptyCall({}, { timeoutMs: RPC_TIMEOUT_MS });
    assert(response !== null && typeof response === 'object', 'empty_unary: response is null');
  },

  async large_unary({ test, PayloadType }) {
    const response = await test.unaryCall({
      responseType: PayloadType.COMPRESSABLE,
      responseSize: 314159,
      payload: { type: PayloadType.COMPRESSABLE, body: zeros(271828) },
    }, { timeoutMs: RPC_TIMEOUT_MS });
    checkPayload(response.payload, 314159, 'large_unary', PayloadType);
  },

  async server_streaming({ test, PayloadType }) {
    const sizes = [31415, 9, 2653, 58979];
    const responses = [];
    for await (const r of test.streamingOutputCall({
      responseType: PayloadType.COMPRESSABLE,
      responseParameters: sizes.map((size) => ({ size })),
    }, { timeoutMs: RPC_TIMEOUT_MS })) {
      responses.push(r);
    }
    assert(responses.length === sizes.length, `server_streaming: got ${responses.length} responses, expected ${sizes.length}`);
    responses.forEach((r, i) => checkPayload(r.payload, sizes[i], `server_streaming response ${i}`, PayloadType));
  },

  // UnaryCall part of custom_metadata (the FullDuplexCall part needs client
  // streaming, which gRPC-Web lacks).
  async custom_metadata({ test, PayloadType }) {
    let headers = null;
    let trailers = null;
    const response = await test.unaryCall({
      responseType: PayloadType.COMPRESSABLE,
      responseSize: 314159,
      payload: { type: PayloadType.COMPRESSABLE, body: zeros(271828) },
    }, {
      timeoutMs: RPC_TIMEOUT_MS,
      headers: {
        [ECHO_INITIAL_KEY]: ECHO_INITIAL_VALUE,
        [ECHO_TRAILING_KEY]: encodeBinaryHeader(ECHO_TRAILING_VALUE),
      },
      onHeader: (h) => { headers = h; },
      onTrailer: (t) => { trailers = t; },
    });
    checkPayload(response.payload, 314159, 'custom_metadata UnaryCall', PayloadType);
    const initial = headers ? headers.get(ECHO_INITIAL_KEY) : null;
    assert(initial === ECHO_INITIAL_VALUE,
      `custom_metadata UnaryCall: initial metadata ${ECHO_INITIAL_KEY} expected ${JSON.stringify(ECHO_INITIAL_VALUE)}, got ${JSON.stringify(initial)}`);
    const trailingRaw = trailers ? trailers.get(ECHO_TRAILING_KEY) : null;
    assert(trailingRaw !== null, `custom_metadata UnaryCall: trailing metadata ${ECHO_TRAILING_KEY} missing`);
    let trailing;
    try {
      trailing = decodeBinaryHeader(trailingRaw);
    } catch (e) {
      throw new AssertionFailure(`custom_metadata UnaryCall: trailing metadata ${ECHO_TRAILING_KEY} is not base64: ${JSON.stringify(trailingRaw)}`);
    }
    assert(Buffer.from(trailing).equals(Buffer.from(ECHO_TRAILING_VALUE)),
      `custom_metadata UnaryCall: trailing metadata ${ECHO_TRAILING_KEY} expected 0xababab, got 0x${Buffer.from(trailing).toString('hex')}`);
  },

  // UnaryCall part of status_code_and_message.
  async status_code_and_message({ test }) {
    const message = 'test status message';
    const err = await expectError(
      test.unaryCall({ responseStatus: { code: 2, message } }, { timeoutMs: RPC_TIMEOUT_MS }),
      Code.Unknown, 'status_code_and_message UnaryCall');
    assert(err.rawMessage === message,
      `status_code_and_message UnaryCall: message ${JSON.stringify(err.rawMessage)}, expected ${JSON.stringify(message)}`);
  },

  async special_status_message({ test }) {
    const err = await expectError(
      test.unaryCall({ responseStatus: { code: 2, message: SPECIAL_STATUS_MESSAGE } }, { timeoutMs: RPC_TIMEOUT_MS }),
      Code.Unknown, 'special_status_message');
    assert(err.rawMessage === SPECIAL_STATUS_MESSAGE,
      `special_status_message: message ${JSON.stringify(err.rawMessage)}, expected ${JSON.stringify(SPECIAL_STATUS_MESSAGE)}`);
  },

  async unimplemented_method({ test }) {
    await expectError(test.unimplementedCall({}, { timeoutMs: RPC_TIMEOUT_MS }), Code.Unimplemented, 'unimplemented_method');
  },

  async unimplemented_service({ unimplemented }) {
    await expectError(unimplemented.unimplementedCall({}, { timeoutMs: RPC_TIMEOUT_MS }), Code.Unimplemented, 'unimplemented_service');
  },

  // Server-streaming variant: the only response is delayed 5 s by interval_us
  // while the call has a 100 ms deadline.
  async timeout_on_sleeping_server({ test, PayloadType }) {
    const call = async () => {
      for await (const r of test.streamingOutputCall({
        responseType: PayloadType.COMPRESSABLE,
        responseParameters: [{ size: 31415, intervalUs: 5000000 }],
        payload: { body: zeros(27182) },
      }, { timeoutMs: 100 })) {
        void r;
      }
    };
    await expectError(call(), Code.DeadlineExceeded, 'timeout_on_sleeping_server');
  },
};

async function main() {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    fail(e.message);
  }
  const baseUrl = args.base_url;
  const testCase = args.test_case;
  if (!baseUrl) fail('missing --base_url (e.g. http://127.0.0.1:8080)');
  if (!testCase) fail('missing --test_case');
  const run = cases[testCase];
  if (!run) fail(`unknown test case ${testCase}; known: ${Object.keys(cases).join(', ')}`);

  let gen;
  let messages;
  try {
    gen = await import('./gen/grpc/testing/test_pb.js');
    messages = await import('./gen/grpc/testing/messages_pb.js');
  } catch (e) {
    fail(`generated code missing or broken (run \`npm run gen\` in ${new URL('.', import.meta.url).pathname}): ${e.message}`);
  }

  const transport = createGrpcWebTransport({ baseUrl, httpVersion: '1.1', useBinaryFormat: true });
  const context = {
    test: createClient(gen.TestService, transport),
    unimplemented: createClient(gen.UnimplementedService, transport),
    PayloadType: messages.PayloadType,
  };

  const timer = setTimeout(() => fail(`${testCase}: timed out after ${CASE_TIMEOUT_MS} ms`), CASE_TIMEOUT_MS);
  try {
    await run(context);
  } catch (e) {
    clearTimeout(timer);
    fail(e instanceof AssertionFailure ? e.message : `${testCase}: ${describeError(e)}`);
  }
  clearTimeout(timer);
  process.stdout.write(`OK: ${testCase}\n`);
  process.exit(0);
}

main();
