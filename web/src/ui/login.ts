// Sign-in and registration form.
import type { Controller } from "../controller";
import { h, setText } from "./dom";

export interface View {
  el: HTMLElement;
  update(): void;
}

export function loginView(controller: Controller): View {
  const user = h("input", { name: "user", id: "login-user", autocomplete: "username", required: true, minlength: 3, maxlength: 32, pattern: "[A-Za-z0-9._\\-]+" });
  const password = h("input", { name: "password", id: "login-password", type: "password", autocomplete: "current-password", required: true, minlength: 8 });
  const error = h("p", { class: "form-error", role: "alert" });
  const signIn = h("button", { type: "submit", name: "signin" }, "Sign in");
  const register = h("button", { type: "button", name: "register", class: "secondary" }, "Create account");
  let busy = false;

  const submit = async (asNew: boolean): Promise<void> => {
    if (busy || !form.reportValidity()) return;
    busy = true;
    signIn.disabled = register.disabled = true;
    setText(error, "");
    await controller.signIn(user.value.trim(), password.value, asNew);
    busy = false;
    signIn.disabled = register.disabled = false;
    password.value = "";
  };

  const form = h("form", { id: "login-form", novalidate: false, onsubmit: (e: Event) => (e.preventDefault(), void submit(false)) },
    h("label", { for: "login-user" }, "User name"), user,
    h("label", { for: "login-password" }, "Password"), password,
    error,
    h("div", { class: "actions" }, signIn, register),
  );
  register.addEventListener("click", () => void submit(true));

  const el = h("main", { class: "login" },
    h("h1", {}, "ChatGrpc"),
    h("p", { class: "hint" }, "Sign in, or create an account: 3–32 letters, digits, '.', '-' or '_', and a password of 8 or more characters."),
    form,
  );
  return {
    el,
    update: () => setText(error, controller.signInError),
  };
}
