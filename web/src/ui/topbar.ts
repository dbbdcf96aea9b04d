// The header: which room is open, the connection state, who is signed in, and the panel toggles
// that narrow (phone) screens use.
import type { Controller } from "../controller";
import type { ConnectionState } from "../state";
import { h, setText } from "./dom";
import type { View } from "./login";

const labels: Record<ConnectionState, string> = {
  connecting: "Connecting…",
  online: "Online",
  reconnecting: "Reconnecting…",
  offline: "Offline",
};

export function topbarView(controller: Controller, togglePanel: (panel: "rooms" | "people") => void): View {
  const { store } = controller;
  const title = h("h1", { class: "room-title" });
  const connection = h("span", { id: "connection", class: "connection", role: "status", "aria-live": "polite" });
  const me = h("span", { class: "me" });
  const roomsButton = h("button", { type: "button", class: "toggle rooms-toggle", "aria-controls": "sidebar", onclick: () => togglePanel("rooms") }, "Rooms");
  const peopleButton = h("button", { type: "button", class: "toggle people-toggle", "aria-controls": "people", onclick: () => togglePanel("people") }, "People");
  const signOut = h("button", { type: "button", class: "secondary sign-out", onclick: () => controller.signOut() }, "Sign out");
  const el = h("header", { class: "topbar" }, roomsButton, title, connection, peopleButton, me, signOut);

  return {
    el,
    update() {
      const room = store.activeRoom ? store.rooms.get(store.activeRoom) : undefined;
      setText(title, room ? store.roomLabel(room) : "No room open");
      if (connection.dataset.state !== store.connection) connection.dataset.state = store.connection;
      setText(connection, labels[store.connection]);
      if (connection.title !== store.connectionDetail) connection.title = store.connectionDetail;
      setText(me, store.me?.name ?? controller.auth.userName);
    },
  };
}
