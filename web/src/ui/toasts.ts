// Notifications, admin broadcasts and errors, shown briefly in a corner. Escape dismisses the newest.
import { visible, type Toast } from "@chatgrpc/client";
import type { Controller } from "../controller";
import { h, reconcile } from "./dom";
import type { View } from "./login";

export function toastsView(controller: Controller): View {
  const { store } = controller;
  const el = h("div", { class: "toasts", id: "toasts", role: "status", "aria-live": "polite" });
  const item = (t: Toast): HTMLElement =>
    h("div", { class: `toast ${t.kind}`, "data-kind": t.kind },
      h("div", { class: "toast-body" }, h("strong", { class: "toast-title" }, visible(t.title)), t.body ? h("p", {}, visible(t.body)) : null),
      h("button", { type: "button", class: "close", "aria-label": "Dismiss", onclick: () => store.dismissToast(t.id) }, "×"));

  document.addEventListener("keydown", (e) => {
    const last = store.toasts[store.toasts.length - 1];
    if (e.key === "Escape" && last) store.dismissToast(last.id);
  });

  return {
    el,
    update: () => reconcile(el, store.toasts, (t) => String(t.id), () => "", item),
  };
}
