// Tiny DOM helpers. User data only ever reaches the page as text nodes or attribute values:
// nothing here (or anywhere in the client) assigns innerHTML.

type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | number | boolean | EventListener | null | undefined>;

/** Creates an element. `on<event>` keys add listeners; booleans toggle attributes; strings are set as attributes. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === "function") {
      el.addEventListener(name.slice(2), value);
    } else if (value === true) {
      el.setAttribute(name, "");
    } else {
      el.setAttribute(name, String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
  }
}

/** Sets an element's content to plain text. */
export function setText(el: Element, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

/**
 * Keyed list update: keeps each child whose key and signature are unchanged (so focus, selection and
 * scroll anchors survive), rebuilds the others, and touches the DOM only when something changed.
 */
export function reconcile<T>(
  parent: HTMLElement,
  items: readonly T[],
  key: (item: T) => string,
  signature: (item: T) => string,
  create: (item: T) => HTMLElement,
): void {
  const existing = new Map<string, HTMLElement>();
  for (const child of Array.from(parent.children)) {
    if (child instanceof HTMLElement && child.dataset.key !== undefined) existing.set(child.dataset.key, child);
  }
  const active = document.activeElement;
  const focusedKey = active && parent.contains(active) ? active.closest<HTMLElement>("[data-key]")?.dataset.key : undefined;

  const next = items.map((item) => {
    const k = key(item);
    const sig = signature(item);
    const old = existing.get(k);
    if (old && old.dataset.sig === sig) return old;
    const el = create(item);
    el.dataset.key = k;
    el.dataset.sig = sig;
    return el;
  });

  const current = parent.children;
  const same = next.length === current.length && next.every((el, i) => current[i] === el);
  if (same) return;
  parent.replaceChildren(...next);

  if (focusedKey !== undefined && !parent.contains(document.activeElement)) {
    const target = next.find((el) => el.dataset.key === focusedKey);
    const focusable = target?.matches("button, a, input, textarea, [tabindex]") ? target : target?.querySelector<HTMLElement>("button, a, input, textarea, [tabindex]");
    focusable?.focus({ preventScroll: true });
  }
}
