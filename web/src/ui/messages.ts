// The open room's messages: stored ones by seq, then our pending sends. Keeps the view pinned to
// the bottom while new messages come, keeps it steady while older pages are prepended, and loads
// the previous page when scrolled to the top (or with the "Load older" button).
import { visible, type ChatMessage, type PendingSend } from "@chatgrpc/client";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { Controller } from "../controller";
import { h, reconcile, setText } from "./dom";
import type { View } from "./login";

type Item = { kind: "older" } | { kind: "message"; message: ChatMessage; seenBy: string[] } | { kind: "pending"; pending: PendingSend };

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });

export function messagesView(controller: Controller): View {
  const { store } = controller;
  const list = h("ol", { class: "messages", id: "messages", tabindex: 0, "aria-label": "Messages", "aria-live": "polite", "aria-relevant": "additions" });
  const typing = h("p", { class: "typing", id: "typing", "aria-live": "polite" });
  const empty = h("p", { class: "hint empty" }, "Pick a room, or create one.");
  let shownRoom: string | null = null;

  list.addEventListener("scroll", () => {
    if (list.scrollTop < 40 && store.activeRoom) void controller.loadOlder(store.activeRoom);
  });

  const create = (item: Item): HTMLElement => {
    switch (item.kind) {
      case "older": {
        const room = store.activeRoom ? store.rooms.get(store.activeRoom) : undefined;
        return h("li", { class: "older" },
          h("button", { type: "button", class: "secondary", onclick: () => store.activeRoom && void controller.loadOlder(store.activeRoom) },
            room?.loadingOlder ? "Loading…" : "Load older messages"));
      }
      case "message":
        return messageItem(item.message, item.message.senderId === store.me?.id, controller, item.seenBy);
      case "pending":
        return pendingItem(item.pending, controller);
    }
  };

  return {
    el: h("section", { class: "room-pane", "aria-label": "Conversation" }, empty, list, typing),
    update() {
      const room = store.activeRoom ? store.rooms.get(store.activeRoom) : undefined;
      empty.hidden = room !== undefined;
      list.hidden = room === undefined;
      const items: Item[] = [];
      if (room?.hasOlder) items.push({ kind: "older" });
      // "Seen by" goes under our newest message: who else has read that far.
      const lastOwn = room ? store.lastOwnMessage(room.id) : undefined;
      for (const message of room?.messages ?? []) {
        items.push({ kind: "message", message, seenBy: message === lastOwn ? store.seenBy(room!.id, Number(message.seq)) : [] });
      }
      const held = new Set(room?.messages.map((m) => m.clientMsgId));
      for (const pending of room ? store.pendingIn(room.id) : []) {
        if (!held.has(pending.clientMsgId)) items.push({ kind: "pending", pending });
      }

      const switched = shownRoom !== (room?.id ?? null);
      shownRoom = room?.id ?? null;
      if (switched) list.replaceChildren();
      const firstBefore = list.querySelector<HTMLElement>("li.msg")?.dataset.key;
      const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 48;
      const fromBottom = list.scrollHeight - list.scrollTop;

      reconcile(list, items, itemKey, (item) => itemSignature(item, room?.loadingOlder ?? false), create);

      const firstAfter = list.querySelector<HTMLElement>("li.msg")?.dataset.key;
      if (switched || atBottom) list.scrollTop = list.scrollHeight;
      else if (firstBefore !== firstAfter) list.scrollTop = list.scrollHeight - fromBottom; // older page prepended

      const names = room ? [...room.typing.values()].map((t) => t.name).sort() : [];
      setText(typing, names.length === 0 ? "" : names.length === 1 ? `${names[0]} is typing…` : `${names.join(", ")} are typing…`);
    },
  };
}

function itemKey(item: Item): string {
  switch (item.kind) {
    case "older": return "older";
    case "message": return `m${item.message.seq}`;
    case "pending": return `p${item.pending.clientMsgId}`;
  }
}

function itemSignature(item: Item, loadingOlder: boolean): string {
  switch (item.kind) {
    case "older": return String(loadingOlder);
    case "message": {
      const quote = item.message.replyTo;
      return `${item.message.deleted ? "deleted" : ""}|${item.message.change}|${quote ? `${quote.deleted}|${quote.text}` : ""}|${item.seenBy.join(",")}`;
    }
    case "pending": return `${item.pending.status}|${item.pending.error ?? ""}`;
  }
}

function messageItem(message: ChatMessage, mine: boolean, controller: Controller, seenBy: string[]): HTMLElement {
  const sent = message.sentAt ? timestampDate(message.sentAt) : undefined;
  const edited = message.editedAt ? timestampDate(message.editedAt) : undefined;
  return h("li", { class: mine ? "msg mine" : "msg", "data-seq": String(message.seq) },
    h("div", { class: "meta" },
      h("span", { class: "sender" }, message.senderName),
      sent ? h("time", { datetime: sent.toISOString() }, timeFormat.format(sent)) : null,
      edited ? h("span", { class: "edited", title: `Edited ${edited.toLocaleString()}` }, "(edited)") : null,
      message.deleted
        ? null
        : h("span", { class: "actions" },
            h("button", { type: "button", class: "link", "aria-label": `Reply to message ${message.seq}`, onclick: () => controller.beginReply(message) }, "Reply"),
            mine ? h("button", { type: "button", class: "link", "aria-label": `Edit message ${message.seq}`, onclick: () => controller.beginEdit(message.seq) }, "Edit") : null,
            mine ? h("button", { type: "button", class: "link", "aria-label": `Delete message ${message.seq}`, onclick: () => void controller.deleteMessage(message.room, message.seq) }, "Delete") : null),
    ),
    message.replyTo
      ? h("blockquote", { class: "quote", "data-quotes": String(message.replyTo.seq) },
          h("span", { class: "sender" }, message.replyTo.senderName),
          message.replyTo.deleted ? h("span", { class: "deleted" }, " deleted message") : h("span", {}, " " + visible(message.replyTo.text)))
      : null,
    message.deleted
      ? h("p", { class: "text deleted" }, "This message was deleted.")
      : h("p", { class: "text" }, visible(message.text)),
    seenBy.length > 0 ? h("p", { class: "seen" }, `Seen by ${seenBy.join(", ")}`) : null,
  );
}

function pendingItem(pending: PendingSend, controller: Controller): HTMLElement {
  const state = {
    queued: "Waiting for the connection…",
    sending: "Sending…",
    acked: "Sent",
    failed: `Not sent: ${pending.error ?? "refused"}`,
  }[pending.status];
  return h("li", { class: `msg mine pending ${pending.status}`, "data-pending": pending.status },
    h("div", { class: "meta" }, h("span", { class: "sender" }, controller.store.me?.name ?? "me"), h("span", { class: "state" }, state)),
    h("p", { class: "text" }, visible(pending.text)),
    pending.status === "failed"
      ? h("div", { class: "row" },
          h("button", { type: "button", onclick: () => controller.retrySend(pending.clientMsgId) }, "Retry"),
          h("button", { type: "button", class: "secondary", onclick: () => controller.discardSend(pending.clientMsgId) }, "Discard"))
      : null,
  );
}
