#!/usr/bin/python3
"""Chat scenario client (Python grpcio) for ChatGrpc's chat.v1 contract.

Drives the chat service the way a real client would (register, create a room, open
ChatService.Connect, join, send) and checks what comes back:

    /usr/bin/python3 python_chat_client.py --server=127.0.0.1:PORT --scenario=NAME

Scenarios: two_users_chat, typing_seen, resume_after_seq, edit_resume, unauthenticated,
error_frame_keeps_stream (grpcjs-chat-client.js implements the same ones).

Prints "OK: NAME" and exits 0 on success; prints one line saying why to stderr and
exits 1 on failure. Every unary call and every Connect stream carries a deadline of
at most RPC_TIMEOUT_S, every wait for a frame gives up after WAIT_S, and a watchdog
ends the process after WATCHDOG_S, so a misbehaving server cannot make a run hang.

Python stubs are generated from the repository's protos (protos/chat/v1) with protoc
and grpc_python_plugin on first use and cached under pygen/ next to this file, in a
folder named after a hash of the proto sources (see pystubs.py).
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import queue
import secrets
import sys
import threading
import time
import uuid

import grpc

import pystubs  # sits next to this script

SCRIPT_DIR = os.path.dirname(os.path.abspath(__file__))
DEFAULT_PROTO_ROOT = os.path.normpath(os.path.join(SCRIPT_DIR, "..", "..", "protos"))
# google/api: the JSON API's http options, which chat.proto imports; generated alongside (no
# __init__.py for google/, so it joins the installed google.protobuf as one namespace package).
PROTO_FILES = (
    "google/api/http.proto",
    "google/api/annotations.proto",
    "chat/v1/types.proto",
    "chat/v1/chat.proto",
    "chat/v1/auth.proto",
    "chat/v1/admin.proto",
)

RPC_TIMEOUT_S = 15.0  # deadline of every unary call and Connect stream
WAIT_S = 15.0  # longest wait for one expected frame
QUIET_S = 1.0  # how long to watch for frames that must not come
WATCHDOG_S = 50.0  # whole-run limit; stays below the 60 s callers wrap runs in

# Filled in by load_stubs().
types_pb2 = None
chat_pb2 = None
chat_pb2_grpc = None
auth_pb2 = None
auth_pb2_grpc = None
admin_pb2 = None


class TestFailure(Exception):
    pass


# --------------------------------------------------------------------------------------
# Stub generation and loading
# --------------------------------------------------------------------------------------

def _generate_stubs(proto_root):
    try:
        return pystubs.generate(proto_root, PROTO_FILES, "chat", "chat/v1/chat_pb2_grpc.py", ["chat", "chat/v1"])
    except pystubs.StubError as e:
        raise TestFailure(str(e))


def load_stubs(proto_root):
    global types_pb2, chat_pb2, chat_pb2_grpc, auth_pb2, auth_pb2_grpc, admin_pb2
    gen_dir = _generate_stubs(proto_root)
    # The generated modules import each other as "chat.v1.*".
    sys.path.insert(0, gen_dir)
    from chat.v1 import types_pb2 as t, chat_pb2 as c, chat_pb2_grpc as cg, \
        auth_pb2 as a, auth_pb2_grpc as ag
    types_pb2, chat_pb2, chat_pb2_grpc, auth_pb2, auth_pb2_grpc = t, c, cg, a, ag
    from chat.v1 import admin_pb2 as ad
    admin_pb2 = ad


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------

def check(cond, msg):
    if not cond:
        raise TestFailure(msg)


def suffix():
    return secrets.token_hex(5)


def bearer(token):
    return () if token is None else (("authorization", "Bearer " + token),)


def describe_rpc_error(e):
    code = e.code() if hasattr(e, "code") else None
    details = e.details() if hasattr(e, "details") else None
    return "%s %r" % (code, details)


def brief(frame):
    """One-line rendering of a ServerFrame for failure messages."""
    kind = frame.WhichOneof("frame")
    rid = "[%s]" % frame.request_id if frame.request_id else ""
    if kind is None:
        return "empty%s()" % rid
    b = getattr(frame, kind)
    if kind == "message":
        d = "room=%s seq=%d from=%s text=%r" % (b.room, b.seq, b.sender_name, b.text)
    elif kind == "send_ack":
        d = "room=%s seq=%d dup=%s" % (b.room, b.seq, b.duplicate)
    elif kind == "joined":
        d = "room=%s last_seq=%d resume=%s history=%s" % (
            b.room.id, b.last_seq, chat_pb2.ResumeResult.Name(b.resume),
            ",".join(str(m.seq) for m in b.history))
    elif kind == "error":
        d = "code=%d message=%r client_msg_id=%s" % (b.code, b.message, b.client_msg_id)
    elif kind == "typing":
        d = "room=%s user=%s active=%s" % (b.room, b.user_name, b.active)
    elif kind in ("member_joined", "member_left"):
        d = "room=%s user=%s" % (b.room, b.member.user_name)
    elif kind == "welcome":
        d = "user=%s epoch=%s" % (b.user.name, b.store_epoch)
    else:
        d = ""
    return "%s%s(%s)" % (kind, rid, d)


class User:
    def __init__(self, name, user_id, token):
        self.name, self.id, self.token = name, user_id, token


class Session:
    def __init__(self, channel):
        self.channel = channel
        self.auth = auth_pb2_grpc.AuthServiceStub(channel)
        self.chat = chat_pb2_grpc.ChatServiceStub(channel)
        self.conns = []

    def register(self, prefix):
        name = "%s_%s" % (prefix, suffix())
        try:
            resp = self.auth.Register(
                auth_pb2.RegisterRequest(user_name=name, password="pw-%s-long" % suffix()),
                timeout=RPC_TIMEOUT_S)
        except grpc.RpcError as e:
            raise TestFailure("register %s: Register failed with %s" % (name, describe_rpc_error(e)))
        check(resp.tokens.access_token, "register %s: response has no access_token" % name)
        check(resp.user.name == name, "register %s: response user is %r" % (name, resp.user.name))
        return User(name, resp.user.id, resp.tokens.access_token)

    def create_room(self, user):
        room = "room-%s" % suffix()
        try:
            resp = self.chat.CreateRoom(
                chat_pb2.CreateRoomRequest(id=room, title="Room " + room,
                                           kind=types_pb2.ROOM_KIND_PUBLIC),
                metadata=bearer(user.token), timeout=RPC_TIMEOUT_S)
        except grpc.RpcError as e:
            raise TestFailure("%s creates room %s: CreateRoom failed with %s"
                              % (user.name, room, describe_rpc_error(e)))
        check(resp.room.id == room, "CreateRoom %s: response room id is %r" % (room, resp.room.id))
        return room

    def connect(self, user):
        """Opens Connect for the user and waits for its Welcome."""
        conn = Conn(self.chat, user)
        self.conns.append(conn)
        first = conn.wait_for(lambda f: True, "the first frame (welcome)")
        check(first.WhichOneof("frame") == "welcome",
              "%s: first frame on Connect is %s, expected welcome" % (user.name, brief(first)))
        check(first.welcome.user.name == user.name,
              "%s: welcome names user %r" % (user.name, first.welcome.user.name))
        conn.welcome = first.welcome
        return conn

    def close(self):
        for c in self.conns:
            c.close()


class Conn:
    """A Connect stream. A reader thread keeps every received frame in order;
    wait_for() takes the first one not yet taken that matches, waiting if need be."""

    _CLOSE = object()

    def __init__(self, stub, user):
        self.user = user
        self.welcome = None
        self._out = queue.Queue()
        self._cond = threading.Condition()
        self.frames = []  # received ServerFrames, in order
        self._taken = set()  # indexes of frames a wait has consumed
        self.ended = None  # why the stream is over, once it is
        self._next_id = 1
        self.call = stub.Connect(self._requests(), metadata=bearer(user.token),
                                 timeout=RPC_TIMEOUT_S)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _requests(self):
        while True:
            try:
                item = self._out.get(timeout=WATCHDOG_S)
            except queue.Empty:
                return
            if item is self._CLOSE:
                return
            yield item

    def _read(self):
        why = "the server ended the stream"
        try:
            for frame in self.call:
                with self._cond:
                    self.frames.append(frame)
                    self._cond.notify_all()
        except grpc.RpcError as e:
            why = describe_rpc_error(e)
        except Exception as e:  # reported through the waits
            why = "%s: %s" % (type(e).__name__, e)
        with self._cond:
            self.ended = why
            self._cond.notify_all()

    def history(self):
        with self._cond:
            return ", ".join(brief(f) for f in self.frames) or "nothing"

    def send(self, kind, body, tag=None):
        """Writes a ClientFrame with `kind` set to body; returns its request_id."""
        rid = "%s-%s-%d" % (self.user.name, tag or kind, self._next_id)
        self._next_id += 1
        frame = chat_pb2.ClientFrame(request_id=rid)
        getattr(frame, kind).CopyFrom(body)
        self._out.put(frame)
        return rid

    def wait_for(self, pred, what, timeout=WAIT_S, fail_on_error_for=None):
        """Returns the first untaken frame matching pred. If fail_on_error_for is a
        request_id, an error frame answering it fails the wait at once."""
        end = time.monotonic() + timeout
        with self._cond:
            while True:
                for i, f in enumerate(self.frames):
                    if i in self._taken:
                        continue
                    if fail_on_error_for is not None and f.WhichOneof("frame") == "error" \
                            and f.request_id == fail_on_error_for:
                        self._taken.add(i)
                        raise TestFailure("%s: waiting for %s, got %s" % (self.user.name, what, brief(f)))
                    if pred(f):
                        self._taken.add(i)
                        return f
                if self.ended is not None:
                    raise TestFailure("%s: stream ended (%s) while waiting for %s; received: %s" % (
                        self.user.name, self.ended, what,
                        ", ".join(brief(x) for x in self.frames) or "nothing"))
                left = end - time.monotonic()
                if left <= 0:
                    raise TestFailure("%s: no %s within %.0f s; received: %s" % (
                        self.user.name, what, timeout,
                        ", ".join(brief(x) for x in self.frames) or "nothing"))
                self._cond.wait(left)

    def answer(self, rid, kind):
        f = self.wait_for(lambda x: x.request_id == rid, "the answer to %s (%s)" % (rid, kind))
        check(f.WhichOneof("frame") == kind,
              "%s: answer to %s is %s, expected %s" % (self.user.name, rid, brief(f), kind))
        return getattr(f, kind)

    def join(self, room, after_seq=0, store_epoch="", after_change=0):
        rid = self.send("join", chat_pb2.JoinRequest(room=room, after_seq=after_seq,
                                                     store_epoch=store_epoch, after_change=after_change))
        joined = self.answer(rid, "joined")
        check(joined.room.id == room,
              "%s: joined names room %r, expected %s" % (self.user.name, joined.room.id, room))
        return joined

    def send_message(self, room, text):
        """Sends a message and waits for its send_ack; returns (ack, client_msg_id)."""
        cmid = str(uuid.uuid4())
        rid = self.send("send", chat_pb2.SendRequest(room=room, client_msg_id=cmid, text=text))
        ack = self.answer(rid, "send_ack")
        check(ack.client_msg_id == cmid, "%s: send_ack client_msg_id %r, expected %s"
              % (self.user.name, ack.client_msg_id, cmid))
        check(ack.room == room, "%s: send_ack room %r, expected %s" % (self.user.name, ack.room, room))
        return ack, cmid

    def wait_message(self, room, seq):
        f = self.wait_for(lambda x: x.WhichOneof("frame") == "message" and x.message.room == room
                          and x.message.seq == seq, "message seq %d in %s" % (seq, room))
        return f.message

    def close(self):
        self._out.put(self._CLOSE)
        self.call.cancel()


# --------------------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------------------

def two_users_chat(s):
    a = s.register("pyA")
    b = s.register("pyB")
    room = s.create_room(a)

    ca = s.connect(a)
    ja = ca.join(room)
    check(ja.resume == chat_pb2.RESUME_RESULT_FRESH,
          "%s: join without after_seq gave resume=%s, expected RESUME_RESULT_FRESH"
          % (a.name, chat_pb2.ResumeResult.Name(ja.resume)))
    check(ja.last_seq == 0, "%s: joined.last_seq=%d in a new room, expected 0" % (a.name, ja.last_seq))
    cb = s.connect(b)
    cb.join(room)

    text1 = "hello from " + a.name
    ack1, cmid = ca.send_message(room, text1)
    check(ack1.seq == 1, "%s: send_ack seq=%d, expected 1" % (a.name, ack1.seq))
    check(not ack1.duplicate, "%s: first send_ack says duplicate=true" % a.name)

    m1 = cb.wait_message(room, 1)
    check(m1.text == text1, "%s: message seq 1 text %r, expected %r" % (b.name, m1.text, text1))
    check(m1.sender_name == a.name,
          "%s: message seq 1 sender_name %r, expected %s" % (b.name, m1.sender_name, a.name))
    check(m1.client_msg_id == cmid,
          "%s: message seq 1 client_msg_id %r, expected %s" % (b.name, m1.client_msg_id, cmid))

    text2 = "reply from " + b.name
    ack2, _ = cb.send_message(room, text2)
    check(ack2.seq == 2, "%s: send_ack seq=%d, expected 2" % (b.name, ack2.seq))

    m2 = ca.wait_message(room, 2)
    check(m2.text == text2, "%s: message seq 2 text %r, expected %r" % (a.name, m2.text, text2))
    check(m2.sender_name == b.name,
          "%s: message seq 2 sender_name %r, expected %s" % (a.name, m2.sender_name, b.name))

    ca.wait_for(lambda f: f.WhichOneof("frame") == "member_joined" and f.member_joined.room == room
                and f.member_joined.member.user_name == b.name, "member_joined for " + b.name)


def typing_seen(s):
    a = s.register("pyA")
    b = s.register("pyB")
    room = s.create_room(a)
    ca = s.connect(a)
    ca.join(room)
    cb = s.connect(b)
    cb.join(room)

    def is_typing(active):
        return lambda f: f.WhichOneof("frame") == "typing" and f.typing.room == room \
            and f.typing.user_name == b.name and f.typing.active == active

    r1 = cb.send("typing", chat_pb2.SetTypingRequest(room=room, active=True))
    t1 = ca.wait_for(is_typing(True), "typing active=true from " + b.name)
    check(t1.typing.user_id == b.id,
          "%s: typing event user_id %r, expected %s" % (a.name, t1.typing.user_id, b.id))

    r2 = cb.send("typing", chat_pb2.SetTypingRequest(room=room, active=False))
    ca.wait_for(is_typing(False), "typing active=false from " + b.name)

    # Neither typing frame may have been rejected.
    with cb._cond:
        rejected = [brief(f) for f in cb.frames
                    if f.WhichOneof("frame") == "error" and f.request_id in (r1, r2)]
    check(not rejected, "%s: typing frame rejected: %s" % (b.name, ", ".join(rejected)))


def resume_after_seq(s):
    a = s.register("pyA")
    b = s.register("pyB")
    room = s.create_room(a)
    ca = s.connect(a)
    ca.join(room)
    texts = []
    for i in (1, 2, 3):
        text = "message %d from %s" % (i, a.name)
        ack, _ = ca.send_message(room, text)
        check(ack.seq == i, "%s: send_ack seq=%d for message %d, expected %d" % (a.name, ack.seq, i, i))
        texts.append(text)

    cb = s.connect(b)
    epoch = cb.welcome.store_epoch
    check(epoch, "%s: welcome has no store_epoch" % b.name)
    joined = cb.join(room, after_seq=1, store_epoch=epoch)
    check(joined.resume == chat_pb2.RESUME_RESULT_COMPLETE,
          "%s: join after_seq=1 gave resume=%s, expected RESUME_RESULT_COMPLETE"
          % (b.name, chat_pb2.ResumeResult.Name(joined.resume)))
    check(joined.last_seq == 3, "%s: joined.last_seq=%d, expected 3" % (b.name, joined.last_seq))
    check(len(joined.history) == 0, "%s: complete resume carries history seqs %s, expected none"
          % (b.name, ",".join(str(m.seq) for m in joined.history)))

    cb.wait_message(room, 3)
    time.sleep(QUIET_S)  # anything extra (duplicates, seq 1) would show up here
    with cb._cond:
        frames = list(cb.frames)
    kinds = [f.WhichOneof("frame") for f in frames]
    seen = [(i, f.message) for i, f in enumerate(frames)
            if kinds[i] == "message" and f.message.room == room]
    seqs = [m.seq for _, m in seen]
    check(seqs == [2, 3], "%s: replay delivered seqs %s, expected [2, 3]; received: %s"
          % (b.name, seqs, cb.history()))
    joined_at = kinds.index("joined")
    check(seen[0][0] > joined_at,
          "%s: a replayed message came before joined; received: %s" % (b.name, cb.history()))
    for _, m in seen:
        check(m.text == texts[m.seq - 1], "%s: replayed seq %d text %r, expected %r"
              % (b.name, m.seq, m.text, texts[m.seq - 1]))
        check(m.sender_name == a.name, "%s: replayed seq %d sender_name %r, expected %s"
              % (b.name, m.seq, m.sender_name, a.name))


def edit_resume(s):
    """An edit and a deletion made while b was away reach b on resume, in change order, then live."""
    a = s.register("pyE")
    b = s.register("pyF")
    room = s.create_room(a)
    ca = s.connect(a)
    ca.join(room)
    first, _ = ca.send_message(room, "typo hre")
    second, _ = ca.send_message(room, "never mind")
    cb = s.connect(b)
    joined = cb.join(room)
    last_change = joined.last_change
    cb.close()

    rid = ca.send("edit_message", chat_pb2.EditMessageRequest(room=room, seq=first.seq, text="typo here"))
    edit_ack = ca.answer(rid, "change_ack")
    rid = ca.send("delete_message", admin_pb2.DeleteMessageRequest(room=room, seq=second.seq))
    delete_ack = ca.answer(rid, "change_ack")
    check(delete_ack.change == edit_ack.change + 1, "%s: changes %d then %d, expected consecutive numbers"
          % (a.name, edit_ack.change, delete_ack.change))

    cb = s.connect(b)
    resumed = cb.join(room, after_seq=second.seq, store_epoch=cb.welcome.store_epoch, after_change=last_change)
    check(resumed.resume == chat_pb2.RESUME_RESULT_COMPLETE, "%s: resume=%s, expected COMPLETE"
          % (b.name, chat_pb2.ResumeResult.Name(resumed.resume)))
    edited = cb.wait_for(lambda f: f.WhichOneof("frame") == "message_edited", "the missed edit").message_edited.message
    check((edited.seq, edited.text, edited.change) == (first.seq, "typo here", edit_ack.change),
          "%s: replayed edit seq %d %r change %d" % (b.name, edited.seq, edited.text, edited.change))
    check(edited.HasField("edited_at"), "%s: the edited message has no edited_at" % b.name)
    deleted = cb.wait_for(lambda f: f.WhichOneof("frame") == "message_deleted", "the missed deletion").message_deleted
    check((deleted.seq, deleted.change, deleted.deleted_by) == (second.seq, delete_ack.change, a.name),
          "%s: replayed deletion seq %d change %d by %r" % (b.name, deleted.seq, deleted.change, deleted.deleted_by))

    ca.send("edit_message", chat_pb2.EditMessageRequest(room=room, seq=first.seq, text="typo here, fixed twice"))
    live = cb.wait_for(lambda f: f.WhichOneof("frame") == "message_edited", "the live edit").message_edited.message
    check(live.change == delete_ack.change + 1 and live.text == "typo here, fixed twice",
          "%s: live edit change %d %r" % (b.name, live.change, live.text))


def _b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def unauthenticated(s):
    real = s.register("pyU")
    # With the real token ListRooms works, so the failures below are about the token.
    try:
        s.chat.ListRooms(chat_pb2.ListRoomsRequest(include_public=True),
                         metadata=bearer(real.token), timeout=RPC_TIMEOUT_S)
    except grpc.RpcError as e:
        raise TestFailure("ListRooms with a valid token failed with %s" % describe_rpc_error(e))

    tokens = [("no token", None), ("a garbage token", "not-a-real-token")]
    parts = real.token.split(".")
    if len(parts) == 3:
        payload = parts[1]
        hs256 = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        sig = hmac.new(secrets.token_bytes(32), ("%s.%s" % (hs256, payload)).encode(),
                       hashlib.sha256).digest()
        tokens.append(("a JWT with the real claims signed with another key",
                       "%s.%s.%s" % (hs256, payload, _b64url(sig))))
        none = _b64url(json.dumps({"alg": "none", "typ": "JWT"}).encode())
        tokens.append(("an unsigned JWT (alg none) with the real claims", "%s.%s." % (none, payload)))
        # The real signature over claims that were changed afterwards.
        claims = json.loads(_b64url_decode(payload))
        exp = claims.get("exp")
        claims["exp"] = (exp if isinstance(exp, int) else int(time.time())) + 86400
        tokens.append(("a JWT whose claims were altered after signing",
                       "%s.%s.%s" % (parts[0], _b64url(json.dumps(claims).encode()), parts[2])))
    else:
        # Not a JWT: change the last character of the real token instead.
        flipped = real.token[:-1] + ("B" if real.token.endswith("A") else "A")
        tokens.append(("the real token with its last character changed", flipped))

    for what, token in tokens:
        try:
            s.chat.ListRooms(chat_pb2.ListRoomsRequest(include_public=True),
                             metadata=bearer(token), timeout=RPC_TIMEOUT_S)
            raise TestFailure("ListRooms with %s succeeded, expected UNAUTHENTICATED" % what)
        except grpc.RpcError as e:
            check(e.code() == grpc.StatusCode.UNAUTHENTICATED,
                  "ListRooms with %s: expected UNAUTHENTICATED, got %s" % (what, describe_rpc_error(e)))

        call = s.chat.Connect(iter(()), metadata=bearer(token), timeout=RPC_TIMEOUT_S)
        frames = []
        try:
            for f in call:
                frames.append(f)
                call.cancel()  # a stream that was let in would stay open
                break
        except grpc.RpcError:
            pass
        got = describe_rpc_error(call)
        check(call.code() == grpc.StatusCode.UNAUTHENTICATED,
              "Connect with %s: expected UNAUTHENTICATED, got %s%s"
              % (what, got, ("; received: " + ", ".join(brief(f) for f in frames)) if frames else ""))
        check(not frames, "Connect with %s: frames before UNAUTHENTICATED: %s"
              % (what, ", ".join(brief(f) for f in frames)))


def error_frame_keeps_stream(s):
    a = s.register("pyE")
    room = s.create_room(a)
    ca = s.connect(a)

    # Not joined on this stream yet: the send must be rejected with an error frame.
    bad_cmid = str(uuid.uuid4())
    bad = ca.send("send", chat_pb2.SendRequest(room=room, client_msg_id=bad_cmid, text="before joining"))
    ef = ca.wait_for(lambda f: f.request_id == bad, "the answer to %s (error)" % bad)
    check(ef.WhichOneof("frame") == "error", "%s: answer to a send before joining is %s, expected error code 9"
          % (a.name, brief(ef)))
    check(ef.error.code == 9, "%s: error frame code %d (%r), expected 9 FAILED_PRECONDITION"
          % (a.name, ef.error.code, ef.error.message))
    check(ef.error.client_msg_id == bad_cmid, "%s: error frame client_msg_id %r, expected %s"
          % (a.name, ef.error.client_msg_id, bad_cmid))

    # The same stream still works.
    ca.join(room)
    ack, _ = ca.send_message(room, "after joining")
    check(ack.seq == 1, "%s: send_ack seq=%d, expected 1 (the rejected send must not be stored)"
          % (a.name, ack.seq))


SCENARIOS = {f.__name__: f for f in (
    two_users_chat, typing_seen, resume_after_seq, unauthenticated, error_frame_keeps_stream, edit_resume,
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


def main(argv):
    parser = argparse.ArgumentParser(description="ChatGrpc chat scenario client (grpcio)")
    parser.add_argument("--server", required=True, help="HOST:PORT of the gRPC listener")
    parser.add_argument("--scenario", required=True, choices=sorted(SCENARIOS))
    parser.add_argument("--proto_root", default=DEFAULT_PROTO_ROOT,
                        help="folder holding chat/v1/*.proto (default: %(default)s)")
    args = parser.parse_args(argv)
    name = args.scenario

    timer = threading.Timer(WATCHDOG_S, _watchdog, args=(name,))
    timer.daemon = True
    timer.start()
    session = None
    try:
        load_stubs(args.proto_root)
        with grpc.insecure_channel(args.server) as channel:
            try:
                grpc.channel_ready_future(channel).result(timeout=RPC_TIMEOUT_S)
            except grpc.FutureTimeoutError:
                raise TestFailure("could not connect to %s within %.0f s" % (args.server, RPC_TIMEOUT_S))
            session = Session(channel)
            try:
                SCENARIOS[name](session)
            finally:
                session.close()
    except TestFailure as e:
        _fail(name, e)
        return 1
    except grpc.RpcError as e:
        _fail(name, "unexpected RPC failure: %s" % describe_rpc_error(e))
        return 1
    except Exception as e:  # anything else is a failure of the scenario, reported in one line
        _fail(name, "%s: %s" % (type(e).__name__, e))
        return 1
    finally:
        timer.cancel()
    print("OK: %s" % name)
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
