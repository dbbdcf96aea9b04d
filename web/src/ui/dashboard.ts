// The admin dashboard: figures per node, the message rate over the last minutes as a small chart,
// the busiest rooms, and the operator actions, each asking for confirmation before it runs.
import { Role, visible, type NodeStats } from "@chatgrpc/client";
import type { Dashboard } from "../dashboard";
import { h, reconcile, setText } from "./dom";
import type { View } from "./login";

const svgNs = "http://www.w3.org/2000/svg";
const chartWidth = 600;
const chartHeight = 120;

export function dashboardView(dashboard: Dashboard): View {
  const figure = (id: string, label: string) => {
    const value = h("strong", { id, class: "figure-value" }, "–");
    return { value, el: h("div", { class: "figure" }, value, h("span", {}, label)) };
  };
  const figures = {
    connections: figure("dash-connections", "connections (all nodes)"),
    online: figure("dash-online", "users online (all nodes)"),
    rooms: figure("dash-rooms", "rooms"),
    stored: figure("dash-stored", "messages stored"),
    rate: figure("dash-rate", "messages/s, last minute"),
  };
  const line = document.createElementNS(svgNs, "polyline");
  line.setAttribute("class", "rate-line");
  const chart = document.createElementNS(svgNs, "svg");
  chart.setAttribute("id", "rate-chart");
  chart.setAttribute("viewBox", `0 0 ${chartWidth} ${chartHeight}`);
  chart.setAttribute("preserveAspectRatio", "none");
  chart.setAttribute("role", "img");
  chart.append(line);
  const caption = h("figcaption", {});
  const nodes = h("tbody", { id: "dash-nodes" });
  const rooms = h("tbody", { id: "dash-rooms-busiest" });
  const status = h("p", { class: "form-error", role: "alert" });

  const el = h("section", { id: "dashboard", class: "dashboard", "aria-label": "Admin dashboard" },
    h("div", { class: "figures" }, ...Object.values(figures).map((f) => f.el)),
    h("figure", { class: "rate-chart" }, chart, caption),
    status,
    h("h2", {}, "Nodes"),
    h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, "node"), h("th", {}, "connections"), h("th", {}, "users online"), h("th", {}, "messages/s"))), nodes),
    h("h2", {}, "Busiest rooms"),
    h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, "room"), h("th", {}, "title"), h("th", {}, "messages/min"), h("th", {}, "connections"))), rooms),
    h("h2", {}, "Actions"),
    h("div", { class: "actions" },
      action("Broadcast", "dash-broadcast", [field("title", "Title"), field("body", "Text", true)],
        (v) => `Send "${v.title}" to everyone online`, (v) => dashboard.broadcast(v.title!, v.body!)),
      action("Notify a user", "dash-notify", [field("user", "User"), field("title", "Title"), field("body", "Text", true)],
        (v) => `Notify ${v.user}`, (v) => dashboard.notify(v.user!, v.title!, v.body!)),
      action("Kick a user", "dash-kick", [field("user", "User"), field("reason", "Reason", false, false)],
        (v) => `End every connection of ${v.user}`, (v) => dashboard.kick(v.user!, v.reason!)),
      action("Delete a message", "dash-delete", [field("room", "Room"), field("seq", "Message #", false, true, "number")],
        (v) => `Delete message #${v.seq} in ${v.room} for everyone`, (v) => dashboard.deleteMessage(v.room!, BigInt(v.seq!))),
      roleAction(dashboard),
    ),
  );

  return {
    el,
    update() {
      const stats = dashboard.stats;
      setText(status, dashboard.error ? `Could not load the figures: ${dashboard.error}` : "");
      if (!stats) return;
      const sum = (pick: (n: NodeStats) => number) => stats.nodes.reduce((total, n) => total + pick(n), 0);
      setText(figures.connections.value, String(sum((n) => n.connections)));
      setText(figures.online.value, String(sum((n) => n.usersOnline)));
      setText(figures.rooms.value, String(stats.rooms));
      setText(figures.stored.value, String(stats.messagesStored));
      setText(figures.rate.value, sum((n) => n.messagesPerSecond).toFixed(1));
      reconcile(nodes, stats.nodes, (n) => n.node, (n) => `${n.connections}|${n.usersOnline}|${n.messagesPerSecond.toFixed(1)}`, (n) =>
        h("tr", { "data-node": n.node }, h("td", {}, n.node), h("td", {}, String(n.connections)), h("td", {}, String(n.usersOnline)), h("td", {}, n.messagesPerSecond.toFixed(1))));
      reconcile(rooms, stats.busiestRooms, (r) => r.room, (r) => `${r.messagesPerMinute}|${r.subscribers}|${r.title}`, (r) =>
        h("tr", { "data-room": r.room }, h("td", {}, visible(r.room)), h("td", {}, visible(r.title)), h("td", {}, r.messagesPerMinute.toFixed(1)), h("td", {}, String(r.subscribers))));
      drawChart(dashboard.series(), line, caption);
    },
  };
}

function drawChart(series: Array<[number, number]>, line: SVGPolylineElement, caption: HTMLElement): void {
  const peak = Math.max(1, ...series.map(([, n]) => n));
  const step = series.length > 1 ? chartWidth / (series.length - 1) : chartWidth;
  line.setAttribute("points", series.map(([, n], i) => `${(i * step).toFixed(1)},${(chartHeight - (n / peak) * (chartHeight - 4)).toFixed(1)}`).join(" "));
  const minutes = Math.max(1, Math.round(series.length / 60));
  setText(caption, `Messages per second, all nodes, last ${minutes} minute${minutes === 1 ? "" : "s"} (peak ${peak})`);
}

interface Field {
  name: string;
  input: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;
  el: HTMLElement;
}

function field(name: string, label: string, multiline = false, required = true, type = "text"): Field {
  const attrs = { name, required, ...(multiline ? { rows: 2 } : { type, min: type === "number" ? 1 : null }) };
  const input = multiline ? h("textarea", attrs) : h("input", attrs);
  return { name, input, el: h("label", {}, label, input) };
}

/** A form whose submit asks "…?" with Confirm and Cancel before it runs. */
function action(
  title: string,
  id: string,
  fields: Field[],
  describe: (values: Record<string, string>) => string,
  run: (values: Record<string, string>) => Promise<boolean>,
): HTMLElement {
  const values = () => Object.fromEntries(fields.map((f) => [f.name, f.input.value.trim()] as const));
  const question = h("span", { class: "question" });
  const confirm = h("button", { type: "button", class: "confirm-yes" }, "Confirm");
  const cancel = h("button", { type: "button", class: "secondary" }, "Cancel");
  const ask = h("div", { class: "confirm", role: "alertdialog", "aria-label": `Confirm: ${title}`, hidden: true }, question, confirm, cancel);
  const submit = h("button", { type: "submit" }, title);
  const form = h("form", { id, class: "stacked action" }, h("h3", {}, title), ...fields.map((f) => f.el), submit, ask);
  const settle = (asking: boolean) => {
    ask.hidden = !asking;
    submit.hidden = asking;
  };
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    setText(question, `${describe(values())}?`);
    settle(true);
    confirm.focus();
  });
  cancel.addEventListener("click", () => settle(false));
  confirm.addEventListener("click", async () => {
    settle(false);
    if (await run(values())) form.reset();
  });
  return form;
}

function roleAction(dashboard: Dashboard): HTMLElement {
  const roles = [Role.MEMBER, Role.MODERATOR, Role.ADMIN];
  const select = h("select", { name: "role" }, ...roles.map((r) => h("option", { value: String(r) }, Role[r].toLowerCase())));
  const role: Field = { name: "role", input: select, el: h("label", {}, "Role", select) };
  return action("Change a role", "dash-role", [field("user", "User"), role],
    (v) => `Make ${v.user} ${Role[Number(v.role)]!.toLowerCase()}`, (v) => dashboard.setRole(v.user!, Number(v.role) as Role));
}
