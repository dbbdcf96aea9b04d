// The admin dashboard's data and actions: GetStats polled while the dashboard is open, a message
// rate kept for the last ten minutes, and the operator actions. Views read it and call it.
import { errorText, Role, type Api, type ChatStore, type GetStatsResponse } from "@chatgrpc/client";

const pollMs = 2000;
const keepSeconds = 600;

export class Dashboard {
  open = false;
  stats: GetStatsResponse | null = null;
  error = "";
  /** Messages per second, by Unix second, summed over the nodes; the chart draws the last ten minutes. */
  readonly perSecond = new Map<number, number>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly api: Api, private readonly store: ChatStore) {}

  toggle(): void {
    this.open = !this.open;
    clearInterval(this.timer);
    if (this.open) {
      void this.refresh();
      this.timer = setInterval(() => void this.refresh(), pollMs);
    }
    this.store.changed();
  }

  close(): void {
    if (this.open) this.toggle();
  }

  async refresh(): Promise<void> {
    try {
      const stats = await this.api.admin.getStats({});
      this.stats = stats;
      this.error = "";
      for (const node of stats.nodes) {
        const end = Number(node.reportedAt?.seconds ?? 0n);
        node.messagesLastMinute.forEach((count, i) => {
          const second = end - 59 + i;
          // Each node's count for a second is the latest one it reported; the map holds their sum.
          this.perNode(node.node).set(second, count);
        });
      }
      this.recomputeSeries();
    } catch (error) {
      this.error = errorText(error);
    }
    this.store.changed();
  }

  /** The last ten minutes as [second, messages] pairs, oldest first, with quiet seconds as zeros. */
  series(): Array<[number, number]> {
    if (this.perSecond.size === 0) return [];
    const last = Math.max(...this.perSecond.keys());
    const first = Math.max(Math.min(...this.perSecond.keys()), last - keepSeconds + 1);
    const out: Array<[number, number]> = [];
    for (let s = first; s <= last; s++) out.push([s, this.perSecond.get(s) ?? 0]);
    return out;
  }

  broadcast = (title: string, body: string) => this.act("Broadcast sent", async () => {
    const { connections } = await this.api.admin.broadcast({ title, body });
    return `to ${connections} connection${connections === 1 ? "" : "s"}`;
  });

  notify = (userName: string, title: string, body: string) => this.act(`Notified ${userName}`, async () => {
    const { connections } = await this.api.admin.notify({ userName, title, body });
    return `on ${connections} device${connections === 1 ? "" : "s"}`;
  });

  kick = (userName: string, reason: string) => this.act(`Kicked ${userName}`, async () => {
    const { connections } = await this.api.admin.kick({ userName, reason });
    return `${connections} connection${connections === 1 ? "" : "s"} ended`;
  });

  deleteMessage = (room: string, seq: bigint) => this.act(`Deleted message #${seq} in ${room}`, async () => {
    await this.api.admin.deleteMessage({ room, seq });
    return "";
  });

  setRole = (userName: string, role: Role) => this.act(`${userName} is now ${Role[role].toLowerCase()}`, async () => {
    await this.api.admin.setRole({ userName, role });
    return "";
  });

  private readonly nodes = new Map<string, Map<number, number>>();

  private perNode(node: string): Map<number, number> {
    let series = this.nodes.get(node);
    if (!series) this.nodes.set(node, (series = new Map()));
    return series;
  }

  private recomputeSeries(): void {
    this.perSecond.clear();
    let newest = 0;
    for (const series of this.nodes.values()) for (const s of series.keys()) newest = Math.max(newest, s);
    for (const series of this.nodes.values()) {
      for (const [second, count] of series) {
        if (second <= newest - keepSeconds) series.delete(second);
        else this.perSecond.set(second, (this.perSecond.get(second) ?? 0) + count);
      }
    }
  }

  private async act(done: string, run: () => Promise<string>): Promise<boolean> {
    try {
      this.store.toast("info", done, await run());
      void this.refresh();
      return true;
    } catch (error) {
      this.store.toast("error", "The action failed", errorText(error));
      return false;
    }
  }
}
