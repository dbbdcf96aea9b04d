// The message box: Enter sends, Shift+Enter starts a new line; typing is reported while text is entered.
// On an empty box the up arrow edits our last message (Enter saves, Escape cancels), as chat apps do.
import { codePoints, visible } from "@chatgrpc/client";
import type { Controller } from "../controller";
import { h } from "./dom";
import type { View } from "./login";

export function composerView(controller: Controller): View & { focus(): void } {
  const { store } = controller;
  const text = h("textarea", { id: "composer-text", name: "text", rows: 2, placeholder: "Write a message…", autocomplete: "off" });
  const send = h("button", { type: "submit", class: "send" }, "Send");
  const editNote = h("p", { class: "edit-note", id: "edit-note", hidden: true });
  const form = h("form", { class: "composer", "aria-label": "Send a message" },
    editNote, h("label", { for: "composer-text", class: "sr-only" }, "Message"), text, send);
  let shownEdit: object | null = null;
  let shownReply: object | null = null;

  const submit = (): void => {
    if (text.value.trim() === "") return;
    // Counted as the server counts (code points); a textarea's maxlength counts UTF-16 units.
    const length = codePoints(text.value);
    if (length > store.limits.maxTextLength) {
      store.toast("error", "Message too long", `It is ${length} characters; the limit is ${store.limits.maxTextLength}.`);
      return;
    }
    if (controller.editing) void controller.saveEdit(text.value);
    else controller.send(text.value);
    text.value = "";
  };
  form.addEventListener("submit", (e) => (e.preventDefault(), submit()));

  /** Tab after "@al" completes a member's name of the open room; true when it did. */
  const completeMention = (): boolean => {
    const before = text.value.slice(0, text.selectionStart);
    const typed = /(?:^|\s)@([A-Za-z0-9_.-]*)$/.exec(before)?.[1];
    const room = store.activeRoom ? store.rooms.get(store.activeRoom) : undefined;
    if (typed === undefined || !room) return false;
    const names = [...room.members.values()].map((m) => m.userName).filter((n) => n.toLowerCase().startsWith(typed.toLowerCase()) && n !== store.me?.name);
    if (names.length !== 1) return false;
    const completed = before.slice(0, before.length - typed.length) + names[0] + " ";
    text.value = completed + text.value.slice(text.selectionStart);
    text.setSelectionRange(completed.length, completed.length);
    return true;
  };
  text.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      submit();
    } else if (e.key === "ArrowUp" && text.value === "" && !controller.editing && controller.beginEdit()) {
      e.preventDefault();
    } else if (e.key === "Escape" && controller.editing) {
      e.preventDefault();
      text.value = "";
      controller.cancelEdit();
    } else if (e.key === "Tab" && !e.shiftKey && completeMention()) {
      e.preventDefault();
    } else if (e.key === "Escape" && controller.replyingTo) {
      e.preventDefault();
      controller.cancelReply();
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
      const editing = controller.editing;
      if (editing !== shownEdit) {
        // Entering edit mode fills the box once; what the user then types is theirs.
        shownEdit = editing;
        if (editing) {
          text.value = editing.text;
          text.focus();
          text.setSelectionRange(text.value.length, text.value.length);
        }
      }
      const replying = controller.replyingTo?.room === room?.id ? controller.replyingTo : null;
      if (replying && replying !== shownReply) text.focus();
      shownReply = replying;
      form.classList.toggle("editing", editing !== null);
      editNote.hidden = editing === null && replying === null;
      editNote.textContent = editing
        ? `Editing message #${editing.seq} — Enter saves, Esc cancels`
        : replying ? `Replying to ${replying.senderName}: ${[...visible(replying.text)].slice(0, 80).join("")} — Esc cancels` : "";
      send.textContent = editing ? "Save" : "Send";
    },
  };
}
