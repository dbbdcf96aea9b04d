// The Subscribe stream and its session: open it, apply its frames, and when it ends (network drop,
// server restart, token renewal) open a new one with backoff and resume every room from the last
// seq seen, so nothing is lost or shown twice.
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { Code, errorCode, errorText, retryAfterMs, type Api } from "./api.js";
import type { Auth } from "./auth.js";
import type { ServerFrame } from "./gen/chat/v1/chat_pb.js";
import { NotificationKind } from "./gen/chat/v1/chat_pb.js";
import { nextDelay } from "./reconnect.js";
import type { Room, ChatStore } from "./state.js";

export interface SessionEvents {
  /** A new stream said Welcome (its member rooms are being joined). */
  connected(): void;
  /** The stream says a room is joined on the current session: resends may go out. */
  roomJoined(roomId: string): void;
  roomsChanged(): void;
  /** The credentials are no longer accepted. */
  signedOut(reason: string): void;
}

export class ChatSession {
  /** Id from the current stream's Welcome; empty while there is none. */
  sessionId = "";
  storeEpoch = "";

  private stopped = false;
  private stream: AbortController | null = null;
  private attempt = 0;
  private serverDelayMs = 0;
  private wakeUp: (() => void) | null = null;
  private renewTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly joining = new Map<string, Promise<void>>();

  constructor(
    private readonly api: Api,
    private readonly auth: Auth,
    private readonly store: ChatStore,
    private readonly events: SessionEvents,
  ) {}

  start(): void {
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.renewTimer);
    this.stream?.abort();
    this.wakeUp?.();
  }

  /** Ends the current stream (if any) and opens a new one without waiting out the backoff. */
  reconnectNow(): void {
    this.attempt = 0;
    this.serverDelayMs = 0;
    this.stream?.abort();
    this.wakeUp?.();
  }

  /** The network is gone (the browser says so): end the stream now rather than wait for it to time out. */
  drop(reason: string): void {
    this.store.setConnection("reconnecting", reason);
    this.attempt = Math.max(this.attempt, 1); // retry with backoff; the "online" event cuts the wait short
    this.stream?.abort();
  }

  isJoined(roomId: string): boolean {
    return this.sessionId !== "" && this.store.rooms.get(roomId)?.joined === true;
  }

  /** Joins a room on the current session, resuming after the last seq we hold. One join per room at a time. */
  join(roomId: string): Promise<void> {
    const inFlight = this.joining.get(roomId);
    if (inFlight) return inFlight;
    const joining = this.joinOnce(roomId).finally(() => this.joining.delete(roomId));
    this.joining.set(roomId, joining);
    return joining;
  }

  private async joinOnce(roomId: string): Promise<void> {
    const sessionId = this.sessionId;
    if (!sessionId) return; // the next Welcome joins every member room
    const room = this.store.rooms.get(roomId);
    const resume = room !== undefined && room.seenSeq > 0 && room.epoch !== "";
    // The answer repeats the joined frame that the stream carries (before any replay); the stream's copy is the one applied.
    await this.api.chat.join({
      sessionId,
      room: roomId,
      afterSeq: resume ? BigInt(room.seenSeq) : 0n,
      storeEpoch: resume ? room.epoch : "",
      afterChange: resume ? BigInt(room.seenChange) : 0n,
    });
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const stream = new AbortController();
      this.stream = stream;
      this.store.setConnection(this.attempt === 0 && !this.storeEpoch ? "connecting" : "reconnecting", this.store.connectionDetail);
      try {
        await this.auth.ensureFresh();
        for await (const frame of this.api.chat.subscribe({}, { signal: stream.signal })) {
          this.onFrame(frame);
        }
        this.lost("The server ended the stream.");
      } catch (error) {
        if (this.stopped) break;
        if (stream.signal.aborted) {
          this.lost("");
        } else if (errorCode(error) === Code.Unauthenticated && !(await this.renewCredentials())) {
          break;
        } else {
          this.lost(errorText(error));
        }
      }
      if (this.stopped) break;
      if (!stream.signal.aborted || this.attempt > 0) await this.pause(nextDelay(this.attempt++, this.serverDelayMs));
      this.serverDelayMs = 0;
    }
    this.lost("");
  }

  private lost(reason: string): void {
    clearTimeout(this.renewTimer);
    if (this.sessionId) this.store.sessionLost();
    this.sessionId = "";
    if (!this.stopped) this.store.setConnection("reconnecting", reason || this.store.connectionDetail);
  }

  /** The stream was refused for its token: refresh it, or sign out when the refresh token is dead too. */
  private async renewCredentials(): Promise<boolean> {
    try {
      await this.auth.refresh();
      return true;
    } catch (error) {
      if (errorCode(error) !== Code.Unauthenticated) return true; // network trouble: retry with backoff
      this.stopped = true;
      this.events.signedOut("Your session expired; sign in again.");
      return false;
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const onOnline = (): void => done();
      // The browser's "online" event ends the wait early; outside a browser (Node) there is none.
      globalThis.addEventListener?.("online", onOnline);
      this.wakeUp = done;
      function done(): void {
        clearTimeout(timer);
        globalThis.removeEventListener?.("online", onOnline);
        resolve();
      }
    });
  }

  private onFrame(frame: ServerFrame): void {
    const f = frame.frame;
    switch (f.case) {
      case "welcome":
        this.sessionId = f.value.sessionId;
        this.storeEpoch = f.value.storeEpoch;
        this.attempt = 0;
        if (f.value.user) this.store.me = f.value.user;
        this.store.setLimits(f.value.limits);
        this.store.setConnection("online");
        this.scheduleRenewal(f.value.tokenExpiresAt ? timestampMs(f.value.tokenExpiresAt) : this.auth.accessExpiresAt);
        void this.joinMemberRooms(f.value.sessionId);
        this.events.connected();
        break;
      case "joined":
        this.store.applyJoined(f.value, this.storeEpoch);
        if (f.value.room) this.events.roomJoined(f.value.room.id);
        break;
      case "message":
        if (!this.store.applyMessage(f.value)) this.healGap(f.value.room);
        break;
      case "typing":
        this.store.applyTyping(f.value.room, f.value.userId, f.value.userName, f.value.active);
        break;
      case "presence":
        if (f.value.presence) this.store.applyPresence(f.value.presence);
        break;
      case "memberJoined":
      case "memberLeft":
        if (f.value.member) this.store.applyMember(f.value.room, f.value.member, f.case === "memberJoined");
        break;
      case "notification": {
        const n = f.value;
        const broadcast = n.kind === NotificationKind.BROADCAST;
        const title = n.title || (broadcast ? "Announcement" : "Notification");
        this.store.toast(broadcast ? "broadcast" : "notification", n.fromUser ? `${title} — ${n.fromUser}` : title, n.body);
        break;
      }
      case "messageDeleted":
        this.store.applyDeleted(f.value.room, Number(f.value.seq), Number(f.value.change));
        break;
      case "readReceipt":
        this.store.applyReceipt(f.value);
        break;
      case "mention":
        if (f.value.message) this.store.applyMention(f.value.message);
        break;
      case "messageEdited":
        if (f.value.message) this.store.applyEdited(f.value.message);
        break;
      case "roomAdded":
        this.events.roomsChanged(); // someone made us a member (a new DM or private room)
        break;
      case "readMarker":
        this.store.applyReadMarker(f.value.room, Number(f.value.seq));
        break;
      case "draining": {
        const after = f.value.reconnectAfter;
        this.serverDelayMs = after ? Number(after.seconds) * 1000 + after.nanos / 1e6 : 1000;
        this.store.setConnection("reconnecting", f.value.reason || "The server is restarting.");
        break;
      }
      case "error":
        this.store.toast("error", "The server refused a request", f.value.message);
        break;
      default:
        break; // left, send_ack, pong, token_refreshed answer Connect frames; unary calls return them directly
    }
  }

  /** After a Welcome: join (or resume) every room we belong to, and the open one (first). */
  private async joinMemberRooms(sessionId: string): Promise<void> {
    const rooms = [...this.store.rooms.values()].filter((r) => r.isMember || r.id === this.store.activeRoom);
    rooms.sort((a, b) => Number(b.id === this.store.activeRoom) - Number(a.id === this.store.activeRoom));
    for (const room of rooms.slice(0, this.store.limits.maxRoomsPerConnection)) {
      if (sessionId !== this.sessionId) return;
      await this.joinWithRetry(room, sessionId);
    }
  }

  private async joinWithRetry(room: Room, sessionId: string): Promise<void> {
    for (let attempt = 0; sessionId === this.sessionId && !room.joined; attempt++) {
      try {
        await this.join(room.id);
        return;
      } catch (error) {
        const code = errorCode(error);
        if (code === Code.PermissionDenied || code === Code.NotFound || code === Code.InvalidArgument) {
          room.isMember = code === Code.NotFound ? false : room.isMember; // gone or no longer ours
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, retryAfterMs(error) ?? Math.min(1000 * 2 ** attempt, 5000)));
      }
    }
  }

  /** A message skipped past the resume point: join again after the last seq held; the server replays the rest. */
  private healGap(roomId: string): void {
    if (this.joining.has(roomId) || !this.sessionId) return;
    const room = this.store.rooms.get(roomId);
    if (!room) return;
    console.warn(`gap in ${roomId} after seq ${room.seenSeq}: resuming the room`);
    room.joined = false; // ignore what follows until the new joined frame; the replay brings it again
    void this.joinWithRetry(room, this.sessionId);
  }

  /**
   * A Subscribe stream ends when the token it runs on expires. So shortly before, refresh the token
   * and hand the new one to the session (RefreshSession): the stream stays, with no leave and join
   * for the others in its rooms. Only if that fails is the stream reopened; rooms resume.
   */
  private scheduleRenewal(expiresAt: number): void {
    clearTimeout(this.renewTimer);
    const delay = Math.max(5_000, expiresAt - Date.now() - 60_000);
    this.renewTimer = setTimeout(() => {
      const sessionId = this.sessionId;
      this.auth.refresh().then(
        async () => {
          try {
            const { tokenRefreshed } = await this.api.chat.refreshSession({ sessionId });
            if (sessionId === this.sessionId) this.scheduleRenewal(tokenRefreshed?.expiresAt ? timestampMs(tokenRefreshed.expiresAt) : this.auth.accessExpiresAt);
          } catch {
            // The session is gone or refused the token: a new stream picks up where this one was.
            if (sessionId === this.sessionId) this.reconnectNow();
          }
        },
        (error) => {
          if (errorCode(error) === Code.Unauthenticated) this.events.signedOut("Your session expired; sign in again.");
        },
      );
    }, delay);
  }
}
