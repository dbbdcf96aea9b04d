// Message search: the box in the header and the results that take the conversation's place while
// open. Snippets come with the matched words as code point ranges; they are marked with <mark>
// around text nodes, so nothing in a message can become markup.
import { type SearchHit } from "@chatgrpc/client";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { Controller } from "../controller";
import { h, setText } from "./dom";
import type { View } from "./login";

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "short", timeStyle: "short" });

export function searchBox(controller: Controller): HTMLElement {
  const input = h("input", { id: "search-text", type: "search", name: "query", placeholder: "Search messages", "aria-label": "Search messages", autocomplete: "off", maxlength: 200 });
  const form = h("form", { class: "search", role: "search" }, input);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    void controller.runSearch(input.value);
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      input.value = "";
      controller.closeSearch();
    }
  });
  return form;
}

export function searchResultsView(controller: Controller): View {
  const heading = h("h2", { id: "search-heading" });
  const close = h("button", { type: "button", class: "secondary", onclick: () => controller.closeSearch() }, "Close");
  const list = h("ol", { id: "search-results", class: "search-results" });
  let shown: object | null = null;

  return {
    el: h("section", { class: "search-pane", "aria-label": "Search results" }, h("div", { class: "row" }, heading, close), list),
    update() {
      const search = controller.search;
      if (!search) return;
      setText(heading, search.loading ? `Searching for “${search.query}”…`
        : search.error ? `Search failed: ${search.error}`
        : `${search.hits.length === 0 ? "No" : search.hits.length} message${search.hits.length === 1 ? "" : "s"} matching “${search.query}”`);
      if (shown === search.hits) return;
      shown = search.hits;
      list.replaceChildren(...search.hits.map((hit) => hitItem(hit, controller)));
    },
  };
}

function hitItem(hit: SearchHit, controller: Controller): HTMLElement {
  const message = hit.message!;
  const sent = message.sentAt ? timestampDate(message.sentAt) : undefined;
  const room = controller.store.rooms.get(message.room);
  return h("li", { class: "hit", "data-room": message.room, "data-seq": String(message.seq) },
    h("button", { type: "button", class: "link", onclick: () => controller.openSearchHit(hit) },
      h("span", { class: "meta" },
        h("span", { class: "room" }, room ? controller.store.roomLabel(room) : message.room),
        h("span", { class: "sender" }, message.senderName),
        sent ? h("time", { datetime: sent.toISOString() }, timeFormat.format(sent)) : null),
      h("span", { class: "snippet" }, ...highlighted(hit))));
}

/** The snippet as text nodes, with each highlight range (in code points) inside a <mark>. */
function highlighted(hit: SearchHit): Node[] {
  const points = Array.from(hit.snippet);
  const nodes: Node[] = [];
  let at = 0;
  for (const range of [...hit.highlights].sort((a, b) => a.start - b.start)) {
    const start = Math.max(at, Math.min(range.start, points.length));
    const end = Math.max(start, Math.min(range.end, points.length));
    if (start > at) nodes.push(document.createTextNode(points.slice(at, start).join("")));
    if (end > start) nodes.push(h("mark", {}, points.slice(start, end).join("")));
    at = end;
  }
  if (at < points.length) nodes.push(document.createTextNode(points.slice(at).join("")));
  return nodes;
}
