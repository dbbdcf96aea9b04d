// Page layout: the sign-in form, or the chat (header, rooms, conversation, people, toasts).
// Re-renders the visible views after every batch of changes.
import type { Controller } from "../controller";
import { composerView } from "./composer";
import { dashboardView } from "./dashboard";
import { h } from "./dom";
import { loginView, type View } from "./login";
import { messagesView } from "./messages";
import { peopleView } from "./people";
import { searchResultsView } from "./search";
import { sidebarView } from "./rooms";
import { toastsView } from "./toasts";
import { topbarView } from "./topbar";

type Panel = "rooms" | "people" | "";

export function mountApp(root: HTMLElement, controller: Controller): void {
  const { store } = controller;
  const login = loginView(controller);
  const composer = composerView(controller);

  const chat = h("div", { class: "chat", "data-panel": "" });
  const setPanel = (panel: Panel): void => {
    chat.dataset.panel = chat.dataset.panel === panel ? "" : panel;
    for (const button of chat.querySelectorAll<HTMLElement>("[aria-controls]")) {
      const open = chat.dataset.panel !== "" && button.getAttribute("aria-controls") === (chat.dataset.panel === "rooms" ? "sidebar" : "people");
      button.setAttribute("aria-expanded", String(open));
    }
  };
  const picked = (): void => {
    setPanel("");
    composer.focus();
  };

  const toasts = toastsView(controller);
  const views: View[] = [
    topbarView(controller, setPanel),
    sidebarView(controller, picked),
    messagesView(controller),
    composer,
    peopleView(controller, picked),
  ];
  const [topbar, sidebar, messages, , people] = views as [View, View, View, View, View];
  const dashboard = dashboardView(controller.dashboard);
  const results = searchResultsView(controller);
  chat.append(topbar.el, sidebar.el, h("main", { class: "conversation" }, messages.el, composer.el, dashboard.el, results.el), people.el);

  chat.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && chat.dataset.panel) setPanel("");
    // Alt+↑ / Alt+↓: previous / next room.
    if (e.altKey && (e.key === "ArrowUp" || e.key === "ArrowDown")) {
      const ids = [...chat.querySelectorAll<HTMLElement>("#sidebar [data-room]")].map((b) => b.dataset.room!);
      const at = ids.indexOf(store.activeRoom ?? "");
      const next = ids[(at + (e.key === "ArrowUp" ? -1 : 1) + ids.length) % ids.length];
      if (next) {
        e.preventDefault();
        controller.selectRoom(next);
      }
    }
  });

  let signedIn: boolean | null = null;
  const render = (): void => {
    if (signedIn !== controller.signedIn) {
      signedIn = controller.signedIn;
      root.replaceChildren(signedIn ? chat : login.el, toasts.el);
      if (signedIn) composer.focus();
      else login.el.querySelector("input")?.focus();
    }
    if (signedIn) {
      for (const view of views) view.update();
      // The dashboard takes the conversation's place while it is open.
      const open = controller.dashboard.open;
      const searching = !open && controller.search !== null;
      messages.el.hidden = open || searching;
      composer.el.hidden = open || searching;
      dashboard.el.hidden = !open;
      results.el.hidden = !searching;
      if (open) dashboard.update();
      if (searching) results.update();
    }
    else login.update();
    toasts.update();
  };
  store.onChange(render);
  render();
}
