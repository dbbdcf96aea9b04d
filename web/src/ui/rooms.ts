// The sidebar: rooms with unread counts, direct messages, public rooms to join, and the forms to
// create a room, message a user and (admins) broadcast.
import { Role, RoomKind, type Room } from "@chatgrpc/client";
import type { Controller } from "../controller";
import { h, reconcile } from "./dom";
import type { View } from "./login";

export function sidebarView(controller: Controller, onPicked: () => void): View {
  const { store } = controller;
  const joinedList = h("ul", { class: "room-list", "data-list": "rooms" });
  const directList = h("ul", { class: "room-list", "data-list": "direct" });
  const publicList = h("ul", { class: "room-list", "data-list": "public" });
  const emptyHint = h("p", { class: "hint" }, "No rooms yet: create one below.");
  const publicHeading = h("h2", {}, "Public rooms");
  const broadcast = broadcastForm(controller);

  const item = (room: Room): HTMLElement => {
    const active = room.id === store.activeRoom;
    const unread = active ? 0 : store.unread(room); // the open room is being read
    const label = store.roomLabel(room);
    return h("li", {},
      h("button", {
        type: "button", class: "room-link", "data-room": room.id, "aria-current": active ? "true" : null,
        onclick: () => (controller.selectRoom(room.id), onPicked()),
      },
        h("span", { class: "room-name" }, room.kind === RoomKind.PRIVATE ? `🔒 ${label}` : label),
        !active && room.unreadMentions > 0
          ? h("span", { class: "mentions", "aria-label": `${room.unreadMentions} mentioning you` }, `@${room.unreadMentions}`)
          : null,
        unread > 0 && room.isMember ? h("span", { class: "unread", "aria-label": `${unread} unread` }, String(unread)) : null,
      ),
    );
  };
  const sync = (list: HTMLElement, rooms: Room[]): void =>
    reconcile(list, rooms, (r) => r.id, (r) => `${store.roomLabel(r)}|${store.unread(r)}|${r.unreadMentions}|${r.id === store.activeRoom}|${r.isMember}`, item);

  const el = h("nav", { id: "sidebar", class: "sidebar", "aria-label": "Rooms" },
    h("h2", {}, "Rooms"), joinedList, emptyHint,
    h("h2", {}, "Direct messages"), directList, directForm(controller, onPicked),
    publicHeading, publicList,
    createForm(controller, onPicked),
    broadcast,
  );

  return {
    el,
    update() {
      const rooms = [...store.rooms.values()].sort((a, b) => store.roomLabel(a).localeCompare(store.roomLabel(b)));
      const mine = rooms.filter((r) => r.isMember && r.kind !== RoomKind.DIRECT);
      sync(joinedList, mine);
      sync(directList, rooms.filter((r) => r.kind === RoomKind.DIRECT));
      const others = rooms.filter((r) => !r.isMember);
      sync(publicList, others);
      publicHeading.hidden = others.length === 0;
      emptyHint.hidden = mine.length > 0;
      broadcast.hidden = store.me?.role !== Role.ADMIN;
    },
  };
}

function createForm(controller: Controller, onPicked: () => void): HTMLElement {
  const id = h("input", { name: "room-id", id: "new-room-id", required: true, maxlength: 64, pattern: "[a-z0-9_\\-]+", placeholder: "e.g. general" });
  const title = h("input", { name: "room-title", id: "new-room-title", placeholder: "optional" });
  const isPrivate = h("input", { type: "checkbox", name: "private", id: "new-room-private" });
  const form = h("form", { class: "create-room stacked" },
    h("label", { for: "new-room-id" }, "Room id (a–z, 0–9, - and _)"), id,
    h("label", { for: "new-room-title" }, "Title"), title,
    h("label", { class: "inline" }, isPrivate, " Private"),
    h("button", { type: "submit" }, "Create room"),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (await controller.createRoom(id.value.trim(), title.value.trim(), isPrivate.checked)) {
      form.reset();
      details.open = false;
      onPicked();
    }
  });
  const details = h("details", { class: "panel" }, h("summary", {}, "New room"), form);
  return details;
}

function directForm(controller: Controller, onPicked: () => void): HTMLElement {
  const user = h("input", { name: "dm-user", id: "dm-user", required: true, maxlength: 32, placeholder: "user name" });
  const form = h("form", { class: "open-direct row" },
    h("label", { for: "dm-user", class: "sr-only" }, "Message a user"), user,
    h("button", { type: "submit" }, "Message"),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (await controller.openDirect(user.value.trim())) {
      form.reset();
      onPicked();
    }
  });
  return form;
}

function broadcastForm(controller: Controller): HTMLElement {
  const title = h("input", { name: "broadcast-title", id: "broadcast-title", required: true });
  const body = h("textarea", { name: "broadcast-body", id: "broadcast-body", rows: 2 });
  const form = h("form", { class: "broadcast stacked" },
    h("label", { for: "broadcast-title" }, "Title"), title,
    h("label", { for: "broadcast-body" }, "Text"), body,
    h("button", { type: "submit" }, "Send to everyone online"),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (await controller.broadcast(title.value.trim(), body.value.trim())) form.reset();
  });
  return h("details", { class: "panel admin" }, h("summary", {}, "Broadcast (admin)"), form);
}
