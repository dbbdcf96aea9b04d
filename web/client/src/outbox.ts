// Messages on their way out. Each gets a client_msg_id once, at the composer; until its ack it is
// shown as pending and is resent with the same id whenever its room is joined again, so a send
// lost to a dropped connection (or whose ack was lost) is stored exactly once.
import { Code, errorCode, errorText, retryAfterMs, type Api } from "./api.js";
import type { ChatSession } from "./session.js";
import type { PendingSend, ChatStore } from "./state.js";

const maxAttemptsPerSession = 10;

export class Outbox {
  /** Rooms whose queue is being sent. Sends go one at a time per room, so they are stored in the order written. */
  private readonly pumping = new Set<string>();

  constructor(
    private readonly api: Api,
    private readonly session: ChatSession,
    private readonly store: ChatStore,
  ) {}

  /** Queues a message (answering message `replyTo` of the room when given) and sends it once the room is joined. */
  submit(roomId: string, text: string, replyTo = 0n): void {
    const pending: PendingSend = { clientMsgId: newClientMsgId(), room: roomId, text, replyTo, status: "queued" };
    this.store.pending.set(pending.clientMsgId, pending);
    this.store.changed();
    this.flush(roomId);
  }

  /** Sends what waits for a room; called on submit and whenever the room is joined on a (new) session. */
  flush(roomId: string): void {
    if (!this.pumping.has(roomId)) void this.pump(roomId);
  }

  retry(clientMsgId: string): void {
    const pending = this.store.pending.get(clientMsgId);
    if (!pending || pending.status !== "failed") return;
    pending.status = "queued";
    pending.error = undefined;
    pending.attempts = 0;
    this.store.changed();
    this.flush(pending.room);
  }

  discard(clientMsgId: string): void {
    const pending = this.store.pending.get(clientMsgId);
    if (pending?.status === "failed" || pending?.status === "queued") {
      this.store.pending.delete(clientMsgId);
      this.store.changed();
    }
  }

  private async pump(roomId: string): Promise<void> {
    this.pumping.add(roomId);
    try {
      for (;;) {
        const next = this.store.pendingIn(roomId).find((p) => p.status === "queued");
        if (!next || !this.session.isJoined(roomId)) return; // the next join flushes again
        const retryAfter = await this.deliver(next);
        if (retryAfter > 0) await new Promise((resolve) => setTimeout(resolve, retryAfter));
      }
    } finally {
      this.pumping.delete(roomId);
    }
  }

  /** One attempt. Returns how long to wait before the next attempt (0: go on at once). */
  private async deliver(pending: PendingSend): Promise<number> {
    const sessionId = this.session.sessionId;
    if (sessionId !== pending.sessionId) pending.attempts = 0;
    pending.sessionId = sessionId;
    pending.status = "sending";
    this.store.changed();
    try {
      const { ack } = await this.api.chat.send({ sessionId, room: pending.room, clientMsgId: pending.clientMsgId, text: pending.text, replyTo: pending.replyTo ?? 0n });
      if (ack) this.store.applyAck(ack);
      return 0;
    } catch (error) {
      if (!this.store.pending.has(pending.clientMsgId)) return 0; // its message arrived on the stream meanwhile
      pending.attempts = (pending.attempts ?? 0) + 1;
      const sameSession = this.session.sessionId === sessionId;
      if (!retryable(error) || (sameSession && pending.attempts >= maxAttemptsPerSession)) {
        pending.status = "failed";
        pending.error = errorText(error);
        this.store.changed();
        return 0;
      }
      pending.status = "queued";
      this.store.changed();
      // On a new session resend at once (if its room is joined yet); on the same one, shortly.
      return !sameSession ? 0 : (retryAfterMs(error) ?? (errorCode(error) === Code.ResourceExhausted ? 1000 : 2000));
    }
  }
}

/** Failures that say nothing about the message itself: the connection, the session, a rate limit. */
function retryable(error: unknown): boolean {
  switch (errorCode(error)) {
    case Code.Unavailable:
    case Code.Unknown:
    case Code.Canceled:
    case Code.DeadlineExceeded:
    case Code.Aborted:
    case Code.Internal:
    case Code.ResourceExhausted:
    case Code.Unauthenticated: // the token is being renewed
    case Code.NotFound: // the Subscribe session named in the call is gone; a new one is on its way
    case Code.FailedPrecondition: // the room is not joined on the current session yet
      return true;
    default:
      return false;
  }
}

/** A random UUID (v4). crypto.randomUUID needs a secure context; getRandomValues does not. */
export function newClientMsgId(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
