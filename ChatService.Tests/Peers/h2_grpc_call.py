#!/usr/bin/env python3
"""One gRPC call at the HTTP/2 frame level (python3-h2, no gRPC library), for server-side deadlines.

A gRPC client library also runs its own deadline timer, so it cannot show whether the server ends a
call by itself. This sends the request headers (with grpc-timeout), one length-prefixed message,
and then, with --hold-open, never ends the request stream, the way a streaming client that is still
talking does. It reads frames until the stream ends or is reset and prints one line per try:

    try=N grpc-status=S messages=M reset=CODE|-

Usage: h2_grpc_call.py --port=P --path=/pkg.Service/Method --message-hex=HEX [--token=T]
                       [--timeout=200m] [--hold-open] [--tries=N]
Exits 0 after all tries (the caller judges the lines), 2 on a usage or connection error.
"""

import argparse
import socket
import sys

import h2.config
import h2.connection
import h2.events

READ_TIMEOUT_S = 20


def one_call(port, path, payload, token, timeout, hold_open):
    sock = socket.create_connection(("127.0.0.1", port), timeout=READ_TIMEOUT_S)
    conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
    conn.initiate_connection()
    sock.sendall(conn.data_to_send())
    headers = [
        (":method", "POST"), (":scheme", "http"), (":authority", f"127.0.0.1:{port}"), (":path", path),
        ("content-type", "application/grpc"), ("te", "trailers"),
    ]
    if timeout:
        headers.append(("grpc-timeout", timeout))
    if token:
        headers.append(("authorization", "Bearer " + token))
    stream_id = conn.get_next_available_stream_id()
    conn.send_headers(stream_id, headers)
    framed = b"\x00" + len(payload).to_bytes(4, "big") + payload
    conn.send_data(stream_id, framed, end_stream=not hold_open)
    sock.sendall(conn.data_to_send())

    status, body, reset = None, b"", None
    done = False
    try:
        while not done:
            data = sock.recv(65536)
            if not data:
                break
            for event in conn.receive_data(data):
                if isinstance(event, h2.events.ResponseReceived) or isinstance(event, h2.events.TrailersReceived):
                    for name, value in event.headers:
                        if name == "grpc-status":
                            status = value
                    if isinstance(event, h2.events.TrailersReceived):
                        done = True
                elif isinstance(event, h2.events.DataReceived):
                    body += event.data
                    conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                elif isinstance(event, h2.events.StreamEnded):
                    done = True
                elif isinstance(event, h2.events.StreamReset):
                    reset = event.error_code
                    done = True
            out = conn.data_to_send()
            if out:
                sock.sendall(out)
    finally:
        sock.close()
    messages, offset = 0, 0
    while offset + 5 <= len(body):
        offset += 5 + int.from_bytes(body[offset + 1:offset + 5], "big")
        messages += 1
    return status, messages, reset


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--message-hex", default="")
    parser.add_argument("--token")
    parser.add_argument("--timeout")
    parser.add_argument("--hold-open", action="store_true")
    parser.add_argument("--tries", type=int, default=1)
    args = parser.parse_args()
    payload = bytes.fromhex(args.message_hex)
    for i in range(args.tries):
        try:
            status, messages, reset = one_call(args.port, args.path, payload, args.token, args.timeout, args.hold_open)
        except OSError as error:
            print(f"try={i} connection error: {error}", file=sys.stderr)
            return 2
        print(f"try={i} grpc-status={status if status is not None else '-'} messages={messages} reset={reset if reset is not None else '-'}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
