#!/usr/bin/python3
"""gRPC interop test client (Python grpcio) for checking ChatGrpc's wire layer.

Runs one case of the standard gRPC interop suite (doc/interop-test-descriptions.md
in the gRPC repository) against a plaintext server speaking grpc.testing.TestService:

    /usr/bin/python3 python_interop_client.py --server_host=127.0.0.1 \
        --server_port=PORT --test_case=NAME

Prints "OK: NAME" and exits 0 on success; prints one line saying why to stderr and
exits 1 on failure. Every RPC carries a deadline and a watchdog ends the process, so
a misbehaving server cannot make a run hang.

Python stubs are generated from the repository's protos (protos/grpc/testing) with
protoc and grpc_python_plugin on first use and cached under pygen/ next to this
file, in a folder named after a hash of the proto sources.
"""

import argparse
import os
import queue
import sys
import threading

import grpc

import pystubs  # sits next to this script

SCRIPT_DIR = os.path.dirname(os.path.abspath(__file__))
DEFAULT_PROTO_ROOT = os.path.normpath(os.path.join(SCRIPT_DIR, "..", "..", "protos"))
PROTO_FILES = (
    "grpc/testing/empty.proto",
    "grpc/testing/messages.proto",
    "grpc/testing/test.proto",
)

RPC_TIMEOUT_S = 20.0  # deadline of every RPC (except the one that tests deadlines)
WATCHDOG_S = 50.0  # whole-run limit; stays below the 60 s callers wrap runs in

SPECIAL_STATUS_MESSAGE = "\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \U0001F608\t\n"
ECHO_INITIAL_KEY = "x-grpc-test-echo-initial"
ECHO_INITIAL_VALUE = "test_initial_metadata_value"
ECHO_TRAILING_KEY = "x-grpc-test-echo-trailing-bin"
ECHO_TRAILING_VALUE = b"\xab\xab\xab"

# Filled in by load_stubs().
empty_pb2 = None
messages_pb2 = None
test_pb2_grpc = None


class TestFailure(Exception):
    pass


# --------------------------------------------------------------------------------------
# Stub generation and loading
# --------------------------------------------------------------------------------------

def _generate_stubs(proto_root):
    try:
        return pystubs.generate(proto_root, PROTO_FILES, "interop", "grpc/testing/test_pb2_grpc.py", ["grpc/testing"])
    except pystubs.StubError as e:
        raise TestFailure(str(e))


def load_stubs(proto_root):
    global empty_pb2, messages_pb2, test_pb2_grpc
    gen_dir = _generate_stubs(proto_root)
    # The protos live in package grpc.testing, so the generated modules are
    # grpc/testing/*.py and import each other as "grpc.testing.*". "grpc" is
    # grpcio itself, so the generated folder is added to grpcio's package path.
    grpc.__path__.insert(0, os.path.join(gen_dir, "grpc"))
    from grpc.testing import empty_pb2 as e, messages_pb2 as m, test_pb2_grpc as t
    empty_pb2, messages_pb2, test_pb2_grpc = e, m, t


# --------------------------------------------------------------------------------------
# Checks and request builders
# --------------------------------------------------------------------------------------

def check(cond, msg):
    if not cond:
        raise TestFailure(msg)


def zeros(n):
    return b"\0" * n


def check_payload(payload, size, what):
    body = payload.body
    check(len(body) == size, "%s: payload body is %d bytes, expected %d" % (what, len(body), size))
    check(body == zeros(size), "%s: payload body is not all zeros" % what)
    check(payload.type == messages_pb2.COMPRESSABLE,
          "%s: payload type is %d, expected COMPRESSABLE" % (what, payload.type))


def expect_rpc_error(fn, code, what, details=None):
    """Runs fn, which must fail with `code` (and `details`, if given)."""
    try:
        fn()
    except grpc.RpcError as e:
        got = e.code()
        check(got == code, "%s: expected status %s, got %s (%r)" % (what, code.name, got, e.details()))
        if details is not None:
            check(e.details() == details,
                  "%s: expected status message %r, got %r" % (what, details, e.details()))
        return e
    raise TestFailure("%s: expected status %s, but the call succeeded" % (what, code.name))


def metadata_value(md, key):
    for k, v in md or ():
        if k == key:
            return v
    return None


def check_echoed_metadata(initial, trailing, what):
    got = metadata_value(initial, ECHO_INITIAL_KEY)
    check(got == ECHO_INITIAL_VALUE,
          "%s: initial metadata %s is %r, expected %r" % (what, ECHO_INITIAL_KEY, got, ECHO_INITIAL_VALUE))
    got = metadata_value(trailing, ECHO_TRAILING_KEY)
    check(got == ECHO_TRAILING_VALUE,
          "%s: trailing metadata %s is %r, expected %r" % (what, ECHO_TRAILING_KEY, got, ECHO_TRAILING_VALUE))


class RequestFeed:
    """Request iterator for client-streaming calls that the test drives by hand.

    put() queues a message, close() half-closes the stream, release() ends the
    iterator without further messages (used once the call is over, so grpcio's
    sending thread does not stay blocked).
    """
    _CLOSE = object()

    def __init__(self):
        self._q = queue.Queue()

    def put(self, msg):
        self._q.put(msg)

    def close(self):
        self._q.put(self._CLOSE)

    release = close

    def __iter__(self):
        return self

    def __next__(self):
        item = self._q.get(timeout=WATCHDOG_S)
        if item is self._CLOSE:
            raise StopIteration
        return item


def large_unary_request(expect_compressed=None):
    req = messages_pb2.SimpleRequest(
        response_type=messages_pb2.COMPRESSABLE,
        response_size=314159,
        payload=messages_pb2.Payload(body=zeros(271828)),
    )
    if expect_compressed is not None:
        req.expect_compressed.value = expect_compressed
    return req


# --------------------------------------------------------------------------------------
# Test cases
# --------------------------------------------------------------------------------------

def empty_unary(stub, channel):
    resp = stub.EmptyCall(empty_pb2.Empty(), timeout=RPC_TIMEOUT_S)
    check(isinstance(resp, empty_pb2.Empty), "response is not grpc.testing.Empty")
    check(resp.ByteSize() == 0, "response is not zero bytes when serialized")


def large_unary(stub, channel):
    resp = stub.UnaryCall(large_unary_request(), timeout=RPC_TIMEOUT_S)
    check_payload(resp.payload, 314159, "UnaryCall")


def client_streaming(stub, channel):
    sizes = (27182, 8, 1828, 45904)
    reqs = [messages_pb2.StreamingInputCallRequest(payload=messages_pb2.Payload(body=zeros(n)))
            for n in sizes]
    resp = stub.StreamingInputCall(iter(reqs), timeout=RPC_TIMEOUT_S)
    check(resp.aggregated_payload_size == 74922,
          "aggregated_payload_size is %d, expected 74922" % resp.aggregated_payload_size)


def server_streaming(stub, channel):
    sizes = (31415, 9, 2653, 58979)
    req = messages_pb2.StreamingOutputCallRequest(
        response_type=messages_pb2.COMPRESSABLE,
        response_parameters=[messages_pb2.ResponseParameters(size=n) for n in sizes])
    resps = list(stub.StreamingOutputCall(req, timeout=RPC_TIMEOUT_S))
    check(len(resps) == len(sizes), "got %d responses, expected %d" % (len(resps), len(sizes)))
    for i, (resp, n) in enumerate(zip(resps, sizes)):
        check_payload(resp.payload, n, "response %d" % i)


def ping_pong(stub, channel):
    pairs = ((27182, 31415), (8, 9), (1828, 2653), (45904, 58979))
    feed = RequestFeed()
    call = stub.FullDuplexCall(feed, timeout=RPC_TIMEOUT_S)
    try:
        for i, (req_size, resp_size) in enumerate(pairs):
            feed.put(messages_pb2.StreamingOutputCallRequest(
                response_type=messages_pb2.COMPRESSABLE,
                response_parameters=[messages_pb2.ResponseParameters(size=resp_size)],
                payload=messages_pb2.Payload(body=zeros(req_size))))
            try:
                resp = next(call)
            except StopIteration:
                raise TestFailure("stream ended after %d responses, expected 4" % i)
            check_payload(resp.payload, resp_size, "response %d" % i)
        feed.close()
        extra = sum(1 for _ in call)
        check(extra == 0, "got %d responses after half-close, expected none" % extra)
        check(call.code() == grpc.StatusCode.OK, "call ended with %s" % call.code())
    finally:
        feed.release()


def empty_stream(stub, channel):
    call = stub.FullDuplexCall(iter(()), timeout=RPC_TIMEOUT_S)
    count = sum(1 for _ in call)
    check(count == 0, "got %d responses, expected 0" % count)
    check(call.code() == grpc.StatusCode.OK, "call ended with %s" % call.code())


def timeout_on_sleeping_server(stub, channel):
    # One request, then no half-close: the server keeps waiting for more and the
    # 1 ms deadline has to end the call.
    feed = RequestFeed()
    feed.put(messages_pb2.StreamingOutputCallRequest(
        payload=messages_pb2.Payload(body=zeros(27182))))
    try:
        call = stub.FullDuplexCall(feed, timeout=0.001)
        expect_rpc_error(lambda: list(call), grpc.StatusCode.DEADLINE_EXCEEDED, "FullDuplexCall")
    finally:
        feed.release()


def cancel_after_begin(stub, channel):
    feed = RequestFeed()  # never yields a message before the cancel
    try:
        future = stub.StreamingInputCall.future(feed, timeout=RPC_TIMEOUT_S)
        check(future.cancel(), "cancel() was refused: the call had already finished with %s"
              % (future.code(),))
        check(future.cancelled(), "call is not marked cancelled")
        check(future.code() == grpc.StatusCode.CANCELLED,
              "call completed with %s, expected CANCELLED" % future.code())
        try:
            future.result(timeout=RPC_TIMEOUT_S)
            raise TestFailure("result() returned a response after cancel")
        except grpc.FutureCancelledError:
            pass
    finally:
        feed.release()


def cancel_after_first_response(stub, channel):
    feed = RequestFeed()
    feed.put(messages_pb2.StreamingOutputCallRequest(
        response_type=messages_pb2.COMPRESSABLE,
        response_parameters=[messages_pb2.ResponseParameters(size=31415)],
        payload=messages_pb2.Payload(body=zeros(27182))))
    try:
        call = stub.FullDuplexCall(feed, timeout=RPC_TIMEOUT_S)
        try:
            resp = next(call)
        except StopIteration:
            raise TestFailure("stream ended without a response")
        check_payload(resp.payload, 31415, "first response")
        call.cancel()
        expect_rpc_error(lambda: list(call), grpc.StatusCode.CANCELLED, "FullDuplexCall after cancel")
        check(call.code() == grpc.StatusCode.CANCELLED,
              "call completed with %s, expected CANCELLED" % call.code())
    finally:
        feed.release()


def custom_metadata(stub, channel):
    metadata = ((ECHO_INITIAL_KEY, ECHO_INITIAL_VALUE), (ECHO_TRAILING_KEY, ECHO_TRAILING_VALUE))

    resp, call = stub.UnaryCall.with_call(large_unary_request(), metadata=metadata,
                                          timeout=RPC_TIMEOUT_S)
    check_payload(resp.payload, 314159, "UnaryCall")
    check_echoed_metadata(call.initial_metadata(), call.trailing_metadata(), "UnaryCall")

    req = messages_pb2.StreamingOutputCallRequest(
        response_type=messages_pb2.COMPRESSABLE,
        response_parameters=[messages_pb2.ResponseParameters(size=314159)],
        payload=messages_pb2.Payload(body=zeros(271828)))
    call = stub.FullDuplexCall(iter((req,)), metadata=metadata, timeout=RPC_TIMEOUT_S)
    resps = list(call)
    check(len(resps) == 1, "FullDuplexCall: got %d responses, expected 1" % len(resps))
    check_payload(resps[0].payload, 314159, "FullDuplexCall")
    check(call.code() == grpc.StatusCode.OK, "FullDuplexCall ended with %s" % call.code())
    check_echoed_metadata(call.initial_metadata(), call.trailing_metadata(), "FullDuplexCall")


def _echo_status_case(stub, message, with_duplex):
    code = 2  # UNKNOWN
    req = messages_pb2.SimpleRequest(
        response_status=messages_pb2.EchoStatus(code=code, message=message))
    expect_rpc_error(lambda: stub.UnaryCall(req, timeout=RPC_TIMEOUT_S),
                     grpc.StatusCode.UNKNOWN, "UnaryCall", details=message)
    if with_duplex:
        req = messages_pb2.StreamingOutputCallRequest(
            response_status=messages_pb2.EchoStatus(code=code, message=message))
        expect_rpc_error(lambda: list(stub.FullDuplexCall(iter((req,)), timeout=RPC_TIMEOUT_S)),
                         grpc.StatusCode.UNKNOWN, "FullDuplexCall", details=message)


def status_code_and_message(stub, channel):
    _echo_status_case(stub, "test status message", with_duplex=True)


def special_status_message(stub, channel):
    _echo_status_case(stub, SPECIAL_STATUS_MESSAGE, with_duplex=False)


def unimplemented_method(stub, channel):
    expect_rpc_error(lambda: stub.UnimplementedCall(empty_pb2.Empty(), timeout=RPC_TIMEOUT_S),
                     grpc.StatusCode.UNIMPLEMENTED, "TestService/UnimplementedCall")


def unimplemented_service(stub, channel):
    other = test_pb2_grpc.UnimplementedServiceStub(channel)
    expect_rpc_error(lambda: other.UnimplementedCall(empty_pb2.Empty(), timeout=RPC_TIMEOUT_S),
                     grpc.StatusCode.UNIMPLEMENTED, "UnimplementedService/UnimplementedCall")


def client_compressed_unary(stub, channel):
    # 1. Feature probe: expect_compressed=true but sent uncompressed -> INVALID_ARGUMENT.
    expect_rpc_error(lambda: stub.UnaryCall(large_unary_request(expect_compressed=True),
                                            timeout=RPC_TIMEOUT_S),
                     grpc.StatusCode.INVALID_ARGUMENT,
                     "probe (uncompressed request with expect_compressed=true)")
    # 2. Compressed request.
    resp = stub.UnaryCall(large_unary_request(expect_compressed=True), timeout=RPC_TIMEOUT_S,
                          compression=grpc.Compression.Gzip)
    check_payload(resp.payload, 314159, "compressed UnaryCall")
    # 3. Uncompressed request.
    resp = stub.UnaryCall(large_unary_request(expect_compressed=False), timeout=RPC_TIMEOUT_S)
    check_payload(resp.payload, 314159, "uncompressed UnaryCall")


class _NoCompressHook:
    """Lets a request iterator mark its next message "do not compress".

    grpcio's public API has no per-message write flags: per-call compression
    compresses every message of a stream, and nothing asks grpc core for
    GRPC_WRITE_NO_COMPRESS on one message. The spec's client_compressed_streaming
    needs exactly that (message 1 compressed, message 2 uncompressed on the same
    gzip call). grpcio 1.51 sends each streamed request with
    cygrpc.SendMessageOperation(payload, flags) from the thread that iterates the
    requests, looking cygrpc up in grpc._channel's globals, so the hook swaps in a
    stand-in module that adds WriteFlag.no_compress when that thread asked for it.
    Only the message the iterator flagged is affected, and the original module is
    put back afterwards. If grpcio's internals differ, the case fails saying so
    instead of quietly testing something weaker.
    """

    def __init__(self):
        import grpc._channel as channel_module
        from grpc._cython import cygrpc
        real = getattr(channel_module, "cygrpc", None)
        if real is not cygrpc or not hasattr(cygrpc, "WriteFlag") or \
                not hasattr(cygrpc.WriteFlag, "no_compress"):
            raise TestFailure("this grpcio (%s) offers no per-message no-compress hook"
                              % grpc.__version__)
        self._module = channel_module
        self._real = real
        self._local = threading.local()
        hook = self

        class _Stub:
            def __getattr__(self, name):
                return getattr(real, name)

            @staticmethod
            def SendMessageOperation(message, flags):
                if getattr(hook._local, "no_compress", False):
                    hook._local.no_compress = False
                    hook.used += 1
                    flags |= real.WriteFlag.no_compress
                return real.SendMessageOperation(message, flags)

        self._stub = _Stub()
        self.used = 0

    def mark_next_uncompressed(self):
        """Call from inside the request iterator, right before yielding."""
        self._local.no_compress = True

    def __enter__(self):
        self._module.cygrpc = self._stub
        return self

    def __exit__(self, *exc):
        self._module.cygrpc = self._real
        return False


def client_compressed_streaming(stub, channel):
    first = messages_pb2.StreamingInputCallRequest(
        payload=messages_pb2.Payload(body=zeros(27182)))
    first.expect_compressed.value = True
    second = messages_pb2.StreamingInputCallRequest(
        payload=messages_pb2.Payload(body=zeros(45904)))
    second.expect_compressed.value = False

    # 1. Feature probe: the first message sent uncompressed -> INVALID_ARGUMENT.
    expect_rpc_error(lambda: stub.StreamingInputCall(iter((first,)), timeout=RPC_TIMEOUT_S),
                     grpc.StatusCode.INVALID_ARGUMENT,
                     "probe (uncompressed message with expect_compressed=true)")

    # 2./3. One gzip call: the first message compressed, the second one not.
    hook = _NoCompressHook()

    def requests():
        yield first
        hook.mark_next_uncompressed()
        yield second

    with hook:
        resp = stub.StreamingInputCall(requests(), timeout=RPC_TIMEOUT_S,
                                       compression=grpc.Compression.Gzip)
    check(hook.used == 1, "the second message was not sent with the no-compress flag")
    check(resp.aggregated_payload_size == 73086,
          "aggregated_payload_size is %d, expected 73086" % resp.aggregated_payload_size)


TEST_CASES = {f.__name__: f for f in (
    empty_unary, large_unary, client_streaming, server_streaming, ping_pong, empty_stream,
    timeout_on_sleeping_server, cancel_after_begin, cancel_after_first_response,
    custom_metadata, status_code_and_message, special_status_message,
    unimplemented_method, unimplemented_service,
    client_compressed_unary, client_compressed_streaming,
)}


# --------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------

def _fail(name, reason):
    reason = " ".join(str(reason).split()) or "unknown error"
    sys.stderr.write("FAIL: %s: %s\n" % (name, reason))
    sys.stderr.flush()


def _watchdog(name):
    _fail(name, "no result after %.0f s" % WATCHDOG_S)
    os._exit(1)


def _parse_bool(text):
    return text.lower() in ("1", "true", "yes")


def main(argv):
    parser = argparse.ArgumentParser(description="gRPC interop test client (grpcio)")
    parser.add_argument("--server_host", default="127.0.0.1")
    parser.add_argument("--server_port", type=int, required=True)
    parser.add_argument("--test_case", required=True, choices=sorted(TEST_CASES))
    parser.add_argument("--use_tls", default="false", type=_parse_bool,
                        help="only plaintext is supported")
    parser.add_argument("--proto_root", default=DEFAULT_PROTO_ROOT,
                        help="folder holding grpc/testing/*.proto (default: %(default)s)")
    args = parser.parse_args(argv)
    name = args.test_case
    if args.use_tls:
        _fail(name, "--use_tls=true is not supported")
        return 1

    timer = threading.Timer(WATCHDOG_S, _watchdog, args=(name,))
    timer.daemon = True
    timer.start()
    try:
        load_stubs(args.proto_root)
        target = "%s:%d" % (args.server_host, args.server_port)
        with grpc.insecure_channel(target) as channel:
            # Connect first, so cases whose outcome is decided on the client side
            # (deadline, cancellation) run against an established connection.
            try:
                grpc.channel_ready_future(channel).result(timeout=RPC_TIMEOUT_S)
            except grpc.FutureTimeoutError:
                raise TestFailure("could not connect to %s within %.0f s" % (target, RPC_TIMEOUT_S))
            stub = test_pb2_grpc.TestServiceStub(channel)
            TEST_CASES[name](stub, channel)
    except TestFailure as e:
        _fail(name, e)
        return 1
    except grpc.RpcError as e:
        code = e.code() if hasattr(e, "code") else None
        details = e.details() if hasattr(e, "details") else None
        _fail(name, "unexpected RPC failure: %s %r" % (code, details))
        return 1
    except Exception as e:  # anything else is a failure of the case, reported in one line
        _fail(name, "%s: %s" % (type(e).__name__, e))
        return 1
    finally:
        timer.cancel()
    print("OK: %s" % name)
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
