// The message box: Enter sends, Shift+Enter starts a new line; typing is reported while text is entered.
import { codePoints } from "@chatgrpc/client";
import type { Controller } from "../controller";
import { h } from "./dom";
import type { View } from "./login";

export function composerView(controller: Controller): View & { focus(): void } {
  const { store } = controller;
  const text = h("textarea", { id: "composer-text", name: "text", rows: 2, placeholder: "Write a message…", autocomplete: "off" });
  const send = h("button", { type: "submit", class: "send" }, "Send");
  const form = h("form", { class: "composer", "aria-label": "Send a message" },
    h("label", { for: "composer-text", class: "sr-only" }, "Message"), text, send);

  const submit = (): void => {
    if (text.value.trim() === "") return;
    // Counted as the server counts (code points); a textarea's maxlength counts UTF-16 units.
    const length = codePoints(text.value);
    if (length > store.limits.maxTextLength) {
      store.toast("error", "Message too long", `It is ${length} characters; the limit is ${store.limits.maxTextLength}.`);
      return;
    }
    controller.send(text.value);
    text.value = "";
  };
  form.addEventListener("submit", (e) => (e.preventDefault(), submit()));
  text.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      submit();
    }
  });
  text.addEventListener("input", () => controller.typing(text.value.trim() !== ""));
  text.addEventListener("blur", () => controller.typing(false));

  return {
    el: form,
    focus: () => text.focus(),
    update() {
      const room = store.activeRoom ? store.rooms.get(store.activeRoom) : undefined;
      form.hidden = room === undefined;
    },
  };
}
