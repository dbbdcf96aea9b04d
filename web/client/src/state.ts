// The page's model: rooms with their messages and members, presence, pending sends, toasts and the
// connection state. Frames from the stream are applied here; views read it and re-render on change.
import { type Joined, type ReadReceipt, ResumeResult, type SendAck, type ServerLimits } from "./gen/chat/v1/chat_pb.js";
import { type ChatMessage, type Presence, PresenceStatus, type Quote, RoomKind, type RoomSummary, type User } from "./gen/chat/v1/types_pb.js";
import { visible } from "./text.js";

export type ConnectionState = "connecting" | "online" | "reconnecting" | "offline";

export interface Room {
  id: string;
  title: string;
  kind: RoomKind;
  isMember: boolean;
  /** Newest seq the server has told us about. */
  lastSeq: number;
  readSeq: number;
  /** The read marker the server holds (readSeq also counts our own sends as read, which the server is not told). */
  markedSeq: number;
  /** Unread messages that @-mention us (the server's count, plus mentions heard since). */
  unreadMentions: number;
  /** Joined on the current Subscribe session: live messages flow. */
  joined: boolean;
  /** Store epoch the messages below came from. */
  epoch: string;
  /** Loaded messages, oldest first, gapless from messages[0].seq to seenSeq. */
  messages: ChatMessage[];
  /** Resume point: every message up to it has been received. */
  seenSeq: number;
  /** Resume point for edits and deletions: the newest change received (they come in change order). */
  seenChange: number;
  hasOlder: boolean;
  loadingOlder: boolean;
  /** Room members by user id. */
  members: Map<string, Presence>;
  /** How far each member has read, by user id (small rooms only: the server's receipt size). */
  receipts: Map<string, { name: string; seq: number }>;
  /** Who is typing, by user id, with a local expiry in case the "stopped" event is lost. */
  typing: Map<string, { name: string; until: number }>;
}

export type SendStatus = "queued" | "sending" | "acked" | "failed";

export interface PendingSend {
  clientMsgId: string;
  room: string;
  text: string;
  /** The seq this message answers; 0 (or absent) for none. */
  replyTo?: bigint;
  status: SendStatus;
  error?: string;
  /** Seq from the ack, once acked; the message itself arrives on the stream. */
  seq?: number;
  /** Session of the latest attempt, and failed attempts on it. */
  sessionId?: string;
  attempts?: number;
}

export interface Toast {
  id: number;
  kind: "notification" | "broadcast" | "error" | "info";
  title: string;
  body: string;
}

export const defaultLimits = { maxTextLength: 4000, maxRoomsPerConnection: 100, typingExpiryMs: 6000 };

export class ChatStore {
  me: User | null = null;
  connection: ConnectionState = "connecting";
  connectionDetail = "";
  limits = { ...defaultLimits };
  readonly rooms = new Map<string, Room>();
  activeRoom: string | null = null;
  /** Latest presence of every user we have heard of, by user id. */
  readonly presence = new Map<string, Presence>();
  readonly pending = new Map<string, PendingSend>();
  toasts: Toast[] = [];

  private readonly listeners = new Set<() => void>();
  private scheduled = false;
  private toastIds = 0;

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Batches changes: listeners run once after the current burst of frames. */
  changed(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setTimeout(() => {
      this.scheduled = false;
      for (const listener of this.listeners) listener();
    }, 0);
  }

  reset(): void {
    this.me = null;
    this.rooms.clear();
    this.activeRoom = null;
    this.presence.clear();
    this.pending.clear();
    this.toasts = [];
    this.changed();
  }

  setConnection(state: ConnectionState, detail = ""): void {
    if (this.connection === state && this.connectionDetail === detail) return;
    this.connection = state;
    this.connectionDetail = detail;
    this.changed();
  }

  setLimits(limits: ServerLimits | undefined): void {
    if (!limits) return;
    const expiry = limits.typingExpiry;
    this.limits = {
      maxTextLength: limits.maxTextLength || defaultLimits.maxTextLength,
      maxRoomsPerConnection: limits.maxRoomsPerConnection || defaultLimits.maxRoomsPerConnection,
      typingExpiryMs: expiry ? Number(expiry.seconds) * 1000 + Math.floor(expiry.nanos / 1e6) : defaultLimits.typingExpiryMs,
    };
  }

  /** Merges a ListRooms answer. */
  mergeRooms(summaries: readonly RoomSummary[]): void {
    for (const summary of summaries) this.upsertRoom(summary);
    this.changed();
  }

  upsertRoom(summary: RoomSummary): Room {
    let room = this.rooms.get(summary.id);
    if (!room) {
      room = {
        id: summary.id, title: summary.title, kind: summary.kind, isMember: summary.isMember,
        lastSeq: 0, readSeq: 0, markedSeq: 0, unreadMentions: 0, joined: false, epoch: "", messages: [], seenSeq: 0, seenChange: 0,
        hasOlder: false, loadingOlder: false, members: new Map(), receipts: new Map(), typing: new Map(),
      };
      this.rooms.set(summary.id, room);
    }
    room.title = summary.title || room.title;
    room.kind = summary.kind;
    room.isMember ||= summary.isMember;
    room.lastSeq = Math.max(room.lastSeq, Number(summary.lastSeq));
    room.readSeq = Math.max(room.readSeq, Number(summary.readSeq));
    room.markedSeq = Math.max(room.markedSeq, Number(summary.readSeq));
    room.unreadMentions = summary.unreadMentions;
    this.changed();
    return room;
  }

  /** The stream's Subscribe session ended: no room is joined until each is joined again. */
  sessionLost(): void {
    for (const room of this.rooms.values()) {
      room.joined = false;
      room.typing.clear();
    }
    this.changed();
  }

  /** A joined frame from the stream. For a complete resume the missing messages follow as message frames. */
  applyJoined(joined: Joined, epoch: string): void {
    if (!joined.room) return;
    const room = this.upsertRoom(joined.room);
    room.joined = true;
    room.isMember = true;
    room.members = new Map(joined.members.map((m) => [m.userId, m]));
    // A snapshot with every join, so receipts missed while away need no replay.
    room.receipts = new Map(joined.readReceipts.map((r) => [r.userId, { name: r.userName, seq: Number(r.seq) }]));
    for (const member of joined.members) this.presence.set(member.userId, member);
    const lastSeq = Number(joined.lastSeq);
    if (joined.resume !== ResumeResult.COMPLETE) {
      // Fresh join or reset: what we held (if anything) is replaced by the recent history.
      room.messages = joined.history.slice();
      room.seenSeq = lastSeq;
      room.seenChange = Number(joined.lastChange);
      room.lastSeq = lastSeq;
      room.readSeq = Number(joined.room.readSeq);
      room.markedSeq = Number(joined.room.readSeq);
      room.hasOlder = room.messages.length > 0 ? Number(room.messages[0]!.seq) > 1 : lastSeq > 0;
      room.epoch = epoch;
      this.settlePending(room);
    }
    this.changed();
  }

  /** A message frame. Returns false when it does not follow the resume point (a gap the caller must heal). */
  applyMessage(message: ChatMessage): boolean {
    const room = this.rooms.get(message.room);
    if (!room || !room.joined) return true;
    const seq = Number(message.seq);
    if (seq <= room.seenSeq) return true; // already have it (replay overlapping what we hold)
    if (seq !== room.seenSeq + 1) return false;
    room.messages.push(message);
    room.seenSeq = seq;
    room.lastSeq = Math.max(room.lastSeq, seq);
    room.typing.delete(message.senderId);
    if (message.senderId === this.me?.id) {
      this.pending.delete(message.clientMsgId);
      room.readSeq = Math.max(room.readSeq, seq);
    }
    this.changed();
    return true;
  }

  /** An older page from History, prepended. */
  applyOlder(roomId: string, messages: readonly ChatMessage[], hasMore: boolean): void {
    const room = this.rooms.get(roomId);
    if (!room) return;
    const oldest = room.messages.length > 0 ? Number(room.messages[0]!.seq) : room.seenSeq + 1;
    const older = messages.filter((m) => Number(m.seq) < oldest);
    room.messages = [...older, ...room.messages];
    room.hasOlder = hasMore && older.length > 0;
    room.loadingOlder = false;
    this.changed();
  }

  applyAck(ack: SendAck): void {
    const pending = this.pending.get(ack.clientMsgId);
    if (!pending) return;
    pending.status = "acked";
    pending.seq = Number(ack.seq);
    const room = this.rooms.get(ack.room);
    if (room) this.settlePending(room);
    this.changed();
  }

  /** A message_edited frame: the message as it is now, applied only over an older state of it. */
  applyEdited(edited: ChatMessage): void {
    const room = this.rooms.get(edited.room);
    if (!room) return;
    const change = Number(edited.change);
    room.seenChange = Math.max(room.seenChange, change);
    const index = room.messages.findIndex((m) => m.seq === edited.seq);
    if (index < 0 || Number(room.messages[index]!.change) >= change) return;
    room.messages[index] = edited;
    this.requote(room, edited.seq, (quote) => (quote.text = edited.text.length > 100 ? [...edited.text].slice(0, 100).join("") + "…" : edited.text));
    this.changed();
  }

  applyDeleted(roomId: string, seq: number, change: number): void {
    const room = this.rooms.get(roomId);
    if (!room) return;
    room.seenChange = Math.max(room.seenChange, change);
    const message = room.messages.find((m) => Number(m.seq) === seq);
    if (!message || (change > 0 && Number(message.change) >= change)) return;
    message.deleted = true;
    message.text = "";
    message.editedAt = undefined;
    message.change = BigInt(change);
    this.requote(room, message.seq, (quote) => ((quote.deleted = true), (quote.text = "")));
    this.changed();
  }

  /** Replies already shown quote a message as it was; an edit or deletion of it updates their quotes here. */
  private requote(room: Room, seq: bigint, update: (quote: Quote) => void): void {
    for (const message of room.messages) {
      if (message.replyTo?.seq === seq) update(message.replyTo);
    }
  }

  /** The user's newest message in a room that can still be edited (the up arrow's target). */
  lastOwnMessage(roomId: string): ChatMessage | undefined {
    const messages = this.rooms.get(roomId)?.messages ?? [];
    for (let i = messages.length - 1; i >= 0; i--) {
      const message = messages[i]!;
      if (message.senderId === this.me?.id && !message.deleted) return message;
    }
    return undefined;
  }

  applyReceipt(receipt: ReadReceipt): void {
    const room = this.rooms.get(receipt.room);
    if (!room) return;
    const known = room.receipts.get(receipt.userId);
    room.receipts.set(receipt.userId, { name: receipt.userName, seq: Math.max(known?.seq ?? 0, Number(receipt.seq)) });
    this.changed();
  }

  /** Who else has read the room up to this seq ("seen by"), by name. */
  seenBy(roomId: string, seq: number): string[] {
    const room = this.rooms.get(roomId);
    if (!room) return [];
    return [...room.receipts.entries()].filter(([id, r]) => id !== this.me?.id && r.seq >= seq).map(([, r]) => r.name).sort();
  }

  /** Someone mentioned us: counted for the room unless it is the open one, and said in a notice. */
  applyMention(message: ChatMessage): void {
    const room = this.rooms.get(message.room);
    if (message.room === this.activeRoom) return;
    if (room) room.unreadMentions++;
    this.toast("notification", `${message.senderName} mentioned you in ${room ? this.roomLabel(room) : message.room}`, visible(message.text));
  }

  applyReadMarker(roomId: string, seq: number): void {
    const room = this.rooms.get(roomId);
    if (!room) return;
    if (seq >= room.lastSeq) room.unreadMentions = 0;
    room.readSeq = Math.max(room.readSeq, seq);
    room.markedSeq = Math.max(room.markedSeq, seq);
    this.changed();
  }

  applyTyping(roomId: string, userId: string, userName: string, active: boolean): void {
    const room = this.rooms.get(roomId);
    if (!room || userId === this.me?.id) return;
    if (active) room.typing.set(userId, { name: userName, until: Date.now() + this.limits.typingExpiryMs + 1000 });
    else room.typing.delete(userId);
    this.changed();
  }

  /** Drops typing entries whose expiry passed without a "stopped" event. */
  expireTyping(now = Date.now()): void {
    for (const room of this.rooms.values()) {
      for (const [userId, entry] of room.typing) {
        if (entry.until <= now) {
          room.typing.delete(userId);
          this.changed();
        }
      }
    }
  }

  applyPresence(presence: Presence): void {
    this.presence.set(presence.userId, presence);
    if (presence.status === PresenceStatus.OFFLINE) {
      for (const room of this.rooms.values()) room.typing.delete(presence.userId);
    }
    this.changed();
  }

  /** member_joined / member_left: a user's first connection entered, or last one left, a room. */
  applyMember(roomId: string, member: Presence, joined: boolean): void {
    const room = this.rooms.get(roomId);
    if (room && joined && !room.members.has(member.userId)) room.members.set(member.userId, member);
    if (room && !joined) room.typing.delete(member.userId);
    const known = this.presence.get(member.userId);
    if (joined && (!known || known.status === PresenceStatus.OFFLINE)) this.presence.set(member.userId, member);
    this.changed();
  }

  toast(kind: Toast["kind"], title: string, body = "", ttlMs = 10_000): void {
    const toast = { id: ++this.toastIds, kind, title, body };
    this.toasts = [...this.toasts.slice(-4), toast];
    this.changed();
    setTimeout(() => this.dismissToast(toast.id), ttlMs);
  }

  dismissToast(id: number): void {
    const before = this.toasts.length;
    this.toasts = this.toasts.filter((t) => t.id !== id);
    if (this.toasts.length !== before) this.changed();
  }

  unread(room: Room): number {
    return Math.max(0, room.lastSeq - room.readSeq);
  }

  /** Pending sends of a room that are not yet among its messages. */
  pendingIn(roomId: string): PendingSend[] {
    return [...this.pending.values()].filter((p) => p.room === roomId);
  }

  /** Display name of a room: the other user for direct rooms ("dm:<a>:<b>"). */
  roomLabel(room: Room): string {
    if (room.kind !== RoomKind.DIRECT) return visible(room.title || room.id);
    const me = this.me?.name.toLowerCase();
    const names = room.id.slice(3).split(":");
    return names.find((n) => n !== me) ?? names[0] ?? room.id;
  }

  /** Sends whose message is already held, or acked at or below the resume point, are done. */
  private settlePending(room: Room): void {
    for (const pending of this.pending.values()) {
      if (pending.room !== room.id) continue;
      const held = room.messages.some((m) => m.clientMsgId === pending.clientMsgId && m.senderId === this.me?.id);
      const passed = pending.status === "acked" && pending.seq !== undefined && pending.seq <= room.seenSeq;
      if (held || passed) {
        this.pending.delete(pending.clientMsgId);
      }
    }
  }
}
