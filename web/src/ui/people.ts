// Members of the open room with their presence, online ones first; choosing one opens a direct room.
import { PresenceStatus, visible, type Presence } from "@chatgrpc/client";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { Controller } from "../controller";
import { h, reconcile } from "./dom";
import type { View } from "./login";

const statusNames: Record<PresenceStatus, string> = {
  [PresenceStatus.UNSPECIFIED]: "offline",
  [PresenceStatus.ONLINE]: "online",
  [PresenceStatus.AWAY]: "away",
  [PresenceStatus.BUSY]: "busy",
  [PresenceStatus.OFFLINE]: "offline",
};

const seenFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "short", timeStyle: "short" });

export function peopleView(controller: Controller, onPicked: () => void): View {
  const { store } = controller;
  const list = h("ul", { class: "member-list", id: "members" });

  const describe = (p: Presence): string => {
    const status = statusNames[p.status] ?? "offline";
    if (status === "offline" && p.lastSeen) return `offline · last seen ${seenFormat.format(timestampDate(p.lastSeen))}`;
    return p.statusText ? `${status} · ${visible(p.statusText)}` : status;
  };

  const item = (p: Presence): HTMLElement => {
    const status = statusNames[p.status] ?? "offline";
    const me = p.userId === store.me?.id;
    const name = me ? `${p.userName} (you)` : p.userName;
    const content = [h("span", { class: `dot ${status}`, "aria-hidden": "true" }), h("span", { class: "name" }, name), h("span", { class: "status" }, describe(p))];
    return h("li", { class: "member", "data-user": p.userName, "data-status": status },
      me
        ? h("div", { class: "person" }, ...content)
        : h("button", { type: "button", class: "person", title: `Message ${p.userName}`, onclick: () => void controller.openDirect(p.userName).then((ok) => ok && onPicked()) }, ...content));
  };

  return {
    el: h("aside", { id: "people", class: "people", "aria-label": "People" }, h("h2", {}, "People"), list),
    update() {
      const room = store.activeRoom ? store.rooms.get(store.activeRoom) : undefined;
      const members = [...(room?.members.values() ?? [])].map((m) => store.presence.get(m.userId) ?? m);
      const rank = (p: Presence): number => (p.status === PresenceStatus.OFFLINE || p.status === PresenceStatus.UNSPECIFIED ? 1 : 0);
      members.sort((a, b) => rank(a) - rank(b) || a.userName.localeCompare(b.userName));
      reconcile(list, members, (p) => p.userId, (p) => `${p.status}|${describe(p)}|${p.userId === store.me?.id}`, item);
    },
  };
}
