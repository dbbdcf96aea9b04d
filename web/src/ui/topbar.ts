// The header: which room is open, the connection state, who is signed in, and the panel toggles
// that narrow (phone) screens use.
import { Role, type ConnectionState } from "@chatgrpc/client";
import type { Controller } from "../controller";
import { h, setText } from "./dom";
import { searchBox } from "./search";
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
  const dashboard = h("button", { type: "button", id: "dashboard-toggle", class: "secondary", "aria-pressed": "false", hidden: true, onclick: () => controller.dashboard.toggle() }, "Dashboard");
  const el = h("header", { class: "topbar" }, roomsButton, title, connection, searchBox(controller), peopleButton, me, dashboard, signOut);

  return {
    el,
    update() {
      const room = store.activeRoom ? store.rooms.get(store.activeRoom) : undefined;
      setText(title, room ? store.roomLabel(room) : "No room open");
      if (connection.dataset.state !== store.connection) connection.dataset.state = store.connection;
      setText(connection, labels[store.connection]);
      if (connection.title !== store.connectionDetail) connection.title = store.connectionDetail;
      setText(me, store.me?.name ?? controller.auth.userName);
      dashboard.hidden = store.me?.role !== Role.ADMIN;
      dashboard.setAttribute("aria-pressed", String(controller.dashboard.open));
      if (controller.dashboard.open) setText(title, "Dashboard");
    },
  };
}
