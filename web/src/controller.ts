// What the page can do, in one place: sign in and out, pick, join, create and open rooms, send,
// edit and delete, type, read, page back through history, broadcast. Views call these; they never
// call the API.
import { Auth, ChatSession, ChatStore, Code, createApi, errorCode, errorText, newClientMsgId, Outbox, RoomKind, type Api, type ChatMessage, type Room, type SearchHit } from "@chatgrpc/client";
import { Dashboard } from "./dashboard";

const roomListIntervalMs = 10_000;
const historyPage = 50;

export class Controller {
  readonly store = new ChatStore();
  readonly auth: Auth;
  readonly dashboard: Dashboard;
  private readonly api: Api;
  private session: ChatSession | null = null;
  private outbox: Outbox | null = null;
  private timers: ReturnType<typeof setInterval>[] = [];
  private typingSentAt = 0;
  private typingRoom = "";
  private markReadTimer: ReturnType<typeof setTimeout> | undefined;
  private unreadShown: Room | null = null;
  signInError = "";
  /** The message the composer is editing instead of sending a new one. */
  editing: { room: string; seq: bigint; text: string } | null = null;
  /** The message the composer's next send answers. */
  replyingTo: ChatMessage | null = null;
  /** The open search (its results take the conversation's place), or null. */
  search: { query: string; hits: SearchHit[]; loading: boolean; error: string } | null = null;

  constructor() {
    this.api = createApi(() => this.auth.accessToken);
    this.auth = new Auth(() => this.api);
    this.dashboard = new Dashboard(this.api, this.store);
    this.store.onChange(() => this.maybeMarkRead());
    document.addEventListener("visibilitychange", () => this.maybeMarkRead());
    window.addEventListener("hashchange", () => this.signedIn && this.selectRoom(roomInAddress()));
  }

  get signedIn(): boolean {
    return this.auth.signedIn;
  }

  async signIn(userName: string, password: string, register: boolean): Promise<void> {
    try {
      await this.auth.signIn(userName, password, register);
      this.signInError = "";
      await this.begin();
    } catch (error) {
      this.signInError = errorText(error);
      this.store.changed();
    }
  }

  /** Starts the chat for the signed-in user: rooms, then the stream (whose Welcome joins them). */
  async begin(): Promise<void> {
    this.end();
    const session = new ChatSession(this.api, this.auth, this.store, {
      connected: () => void this.refreshRooms(), // rooms may have appeared while we were away
      roomJoined: (roomId) => this.outbox?.flush(roomId),
      roomsChanged: () => void this.refreshRooms(),
      signedOut: (reason) => this.signOut(reason),
    });
    this.session = session;
    this.outbox = new Outbox(this.api, session, this.store);
    this.store.setConnection("connecting");
    await this.refreshRooms();
    if (this.session !== session) return;
    session.start();
    this.timers.push(setInterval(() => void this.refreshRooms(), roomListIntervalMs));
    this.timers.push(setInterval(() => this.store.expireTyping(), 1000));
    window.addEventListener("offline", this.onOffline);
  }

  signOut(reason = ""): void {
    this.end();
    this.dashboard.close();
    // Asked for by the user (no reason): end the sign-in on the server too; otherwise the server ended it.
    if (reason === "") void this.auth.logout();
    else this.auth.signOut();
    this.store.reset();
    this.signInError = reason;
    this.store.changed();
  }

  selectRoom(roomId: string): void {
    const room = this.store.rooms.get(roomId);
    if (!room) return;
    if (this.store.activeRoom !== roomId) this.markRead();
    this.store.activeRoom = roomId;
    this.store.changed();
    // The open room lives in the address (#room), so a reload or a bookmark returns to it.
    if (roomInAddress() !== roomId) history.replaceState(null, "", `#${encodeURIComponent(roomId)}`);
    if (!room.isMember || (!room.joined && this.session?.sessionId)) void this.joinRoom(roomId);
  }

  async joinRoom(roomId: string): Promise<void> {
    try {
      await this.session?.join(roomId);
    } catch (error) {
      this.store.toast("error", `Could not join ${roomId}`, errorText(error));
    }
  }

  async createRoom(id: string, title: string, isPrivate: boolean): Promise<boolean> {
    try {
      const { room } = await this.api.chat.createRoom({ id, title, kind: isPrivate ? RoomKind.PRIVATE : RoomKind.PUBLIC });
      if (!room) return false;
      this.store.upsertRoom(room);
      this.selectRoom(room.id);
      return true;
    } catch (error) {
      this.store.toast("error", "Could not create the room", errorText(error));
      return false;
    }
  }

  async openDirect(userName: string): Promise<boolean> {
    try {
      const { room } = await this.api.chat.openDirect({ userName });
      if (!room) return false;
      this.store.upsertRoom(room);
      this.selectRoom(room.id);
      return true;
    } catch (error) {
      this.store.toast("error", `Could not message ${userName}`, errorText(error));
      return false;
    }
  }

  send(text: string): void {
    const roomId = this.store.activeRoom;
    if (!roomId || !this.outbox || text.trim() === "") return;
    this.typingSentAt = 0; // the server clears typing on send
    const replyTo = this.replyingTo?.room === roomId ? this.replyingTo.seq : 0n;
    this.replyingTo = null;
    this.outbox.submit(roomId, text, replyTo);
  }

  /** Searches every room we are in; the results show until closed or a hit is opened. */
  async runSearch(query: string): Promise<void> {
    if (query.trim() === "") return this.closeSearch();
    const search = { query: query.trim(), hits: [] as SearchHit[], loading: true, error: "" };
    this.search = search;
    this.dashboard.close();
    this.store.changed();
    try {
      const { hits } = await this.api.chat.search({ query: search.query, limit: 50 });
      search.hits = hits;
    } catch (error) {
      search.error = errorText(error);
    }
    search.loading = false;
    this.store.changed();
  }

  closeSearch(): void {
    this.search = null;
    this.store.changed();
  }

  openSearchHit(hit: SearchHit): void {
    this.closeSearch();
    if (hit.message) this.selectRoom(hit.message.room);
  }

  beginReply(message: ChatMessage): void {
    this.editing = null;
    this.replyingTo = message;
    this.store.changed();
  }

  cancelReply(): void {
    this.replyingTo = null;
    this.store.changed();
  }

  /** Puts one of our messages (the newest when none is named) into the composer to edit it. */
  beginEdit(seq?: bigint): boolean {
    const roomId = this.store.activeRoom;
    if (!roomId) return false;
    const message = seq === undefined
      ? this.store.lastOwnMessage(roomId)
      : this.store.rooms.get(roomId)?.messages.find((m) => m.seq === seq && m.senderId === this.store.me?.id && !m.deleted);
    if (!message) return false;
    this.replyingTo = null;
    this.editing = { room: roomId, seq: message.seq, text: message.text };
    this.store.changed();
    return true;
  }

  cancelEdit(): void {
    this.editing = null;
    this.store.changed();
  }

  /** Saves the edit in progress; the room's message_edited frame updates the view. */
  async saveEdit(text: string): Promise<void> {
    const editing = this.editing;
    this.editing = null;
    this.store.changed();
    if (!editing || text.trim() === "" || text === editing.text) return;
    try {
      await this.api.chat.editMessage({ room: editing.room, seq: editing.seq, text, clientEditId: newClientMsgId() });
    } catch (error) {
      this.store.toast("error", "Could not edit the message", errorText(error));
    }
  }

  async deleteMessage(room: string, seq: bigint): Promise<void> {
    try {
      await this.api.chat.deleteMessage({ room, seq });
    } catch (error) {
      this.store.toast("error", "Could not delete the message", errorText(error));
    }
  }

  retrySend(clientMsgId: string): void {
    this.outbox?.retry(clientMsgId);
  }

  discardSend(clientMsgId: string): void {
    this.outbox?.discard(clientMsgId);
  }

  /** Called on input: says "typing" at most every half expiry, and "stopped" when the box is emptied. */
  typing(active: boolean): void {
    const roomId = this.store.activeRoom;
    const session = this.session;
    if (!roomId || !session?.isJoined(roomId)) return;
    const now = Date.now();
    if (active) {
      if (this.typingRoom === roomId && now - this.typingSentAt < this.store.limits.typingExpiryMs / 2) return;
      this.typingSentAt = now;
    } else {
      if (this.typingSentAt === 0 || this.typingRoom !== roomId) return;
      this.typingSentAt = 0;
    }
    this.typingRoom = roomId;
    this.api.chat.setTyping({ sessionId: session.sessionId, room: roomId, active }).catch(() => {
      this.typingSentAt = 0; // typing is best effort; next keystroke tries again
    });
  }

  async loadOlder(roomId: string): Promise<void> {
    const room = this.store.rooms.get(roomId);
    if (!room || room.loadingOlder || !room.hasOlder) return;
    const oldest = room.messages.length > 0 ? Number(room.messages[0]!.seq) : room.seenSeq + 1;
    room.loadingOlder = true;
    this.store.changed();
    try {
      const page = await this.api.chat.history({ room: roomId, beforeSeq: BigInt(oldest), limit: historyPage });
      this.store.applyOlder(roomId, page.messages, page.hasMore);
    } catch (error) {
      room.loadingOlder = false;
      this.store.toast("error", "Could not load older messages", errorText(error));
    }
  }

  async broadcast(title: string, body: string): Promise<boolean> {
    try {
      const { connections } = await this.api.admin.broadcast({ title, body });
      this.store.toast("info", "Broadcast sent", `to ${connections} connection${connections === 1 ? "" : "s"}`);
      return true;
    } catch (error) {
      this.store.toast("error", "Broadcast failed", errorText(error));
      return false;
    }
  }

  /**
   * Rooms we belong to and public ones we could join. Also how a new direct room or an invitation to
   * a private room shows up: the server sends no event for those, so the list is polled.
   */
  async refreshRooms(): Promise<void> {
    try {
      const { rooms } = await this.api.chat.listRooms({ includePublic: true });
      this.store.mergeRooms(rooms);
      this.pickDefaultRoom();
      for (const room of this.store.rooms.values()) {
        if (room.isMember && !room.joined && this.session?.sessionId) void this.session.join(room.id).catch(() => undefined);
      }
    } catch (error) {
      if (errorCode(error) === Code.Unauthenticated) {
        await this.auth.refresh().catch(() => undefined);
      } else if (this.store.connection === "online") {
        // The stream may be half-open with nothing to show for it (Subscribe carries no heartbeat): reopen it.
        this.session?.reconnectNow();
      }
    }
  }

  /** The room named in the address, else the first of ours (rooms before direct ones, by name); the welcome joins it. */
  private pickDefaultRoom(): void {
    if (this.store.activeRoom) return;
    const named = this.store.rooms.get(roomInAddress());
    const rooms = [...this.store.rooms.values()].sort((a, b) =>
      Number(a.kind === RoomKind.DIRECT) - Number(b.kind === RoomKind.DIRECT) || this.store.roomLabel(a).localeCompare(this.store.roomLabel(b)));
    const pick = named ?? rooms.find((r) => r.isMember);
    if (pick) this.selectRoom(pick.id);
  }

  /** The open room is read while the page is visible: move its read marker to the newest message, shortly. */
  private maybeMarkRead(): void {
    const roomId = this.store.activeRoom;
    const room = roomId ? this.store.rooms.get(roomId) : undefined;
    if (!room || !this.session?.isJoined(room.id) || document.visibilityState !== "visible") return;
    if (room.seenSeq <= room.markedSeq) return;
    this.unreadShown = room;
    clearTimeout(this.markReadTimer);
    this.markReadTimer = setTimeout(() => this.markRead(), 300);
  }

  /** Sends the read marker for what the open room showed; also called just before another room opens. */
  private markRead(): void {
    clearTimeout(this.markReadTimer);
    const room = this.unreadShown;
    const session = this.session;
    this.unreadShown = null;
    if (!room || room.id !== this.store.activeRoom || !session?.isJoined(room.id)) return;
    const seq = room.seenSeq;
    // Against what the server holds: our own sends count as read here, but the others (receipts) and
    // our other devices only learn of a marker we send.
    if (seq <= room.markedSeq) return;
    room.readSeq = Math.max(room.readSeq, seq);
    room.markedSeq = seq;
    room.unreadMentions = 0; // everything up to the newest message has been shown
    this.store.changed();
    this.api.chat.markRead({ sessionId: session.sessionId, room: room.id, seq: BigInt(seq) }).catch(() => {
      room.markedSeq = Math.min(room.markedSeq, seq - 1); // try again on the next change
    });
  }

  private readonly onOffline = (): void => this.session?.drop("The browser is offline.");

  private end(): void {
    this.session?.stop();
    this.session = null;
    this.outbox = null;
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    window.removeEventListener("offline", this.onOffline);
  }
}

/** The room id in the address ("#lobby"), or "". */
function roomInAddress(): string {
  try {
    return decodeURIComponent(location.hash.slice(1));
  } catch {
    return "";
  }
}
