#!/usr/bin/env node
// Drives the packed-to-be library (../dist, built by `npm run build` in web/client) the way the page
// does, in Node on its global fetch, for ChatService.Tests/Sdk/WebClientTests: the .NET test starts
// servers, cuts networks and stops nodes, and tells this process what to do in between.
//
// One command per stdin line, "<id> <command> <args...>"; one answer per command on stdout,
// "<id> ok [json]" or "<id> error <message>". Commands:
//   login <baseUrl> <user> <password>   sign in, start the session
//   join <room>                         open the room and wait until it is joined
//   send <room> <text...>               submit through the outbox
//   wait <room> <count>                 until the room holds <count> messages and nothing is pending; answers them
//   stats                               connection states seen, in order
// Every wait gives up after WAIT_MS; the whole run after RUN_MS.
import { createInterface } from "node:readline";
import { Auth, ChatSession, ChatStore, Outbox, createApi } from "../dist/index.js";

const WAIT_MS = 30_000;
const RUN_MS = 170_000;
setTimeout(() => {
  console.log("0 error the driver ran past its time budget");
  process.exit(1);
}, RUN_MS).unref();

/** sessionStorage's shape, in memory: Node has none. */
class MemoryStorage {
  #items = new Map();
  get length() { return this.#items.size; }
  clear() { this.#items.clear(); }
  getItem(key) { return this.#items.get(key) ?? null; }
  key(index) { return [...this.#items.keys()][index] ?? null; }
  removeItem(key) { this.#items.delete(key); }
  setItem(key, value) { this.#items.set(key, String(value)); }
}

const store = new ChatStore();
const states = [];
store.onChange(() => {
  if (states.at(-1) !== store.connection) states.push(store.connection);
});
let auth;
let api;
let session;
let outbox;

function until(what, condition) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const check = () => {
      if (condition()) return resolve();
      if (Date.now() - started > WAIT_MS) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(check, 20);
    };
    check();
  });
}

const commands = {
  async login(baseUrl, user, password) {
    api = createApi(() => auth.accessToken, baseUrl);
    auth = new Auth(() => api, new MemoryStorage());
    await auth.signIn(user, password, false);
    session = new ChatSession(api, auth, store, {
      connected: () => void refreshRooms(),
      roomJoined: (roomId) => outbox.flush(roomId),
      roomsChanged: () => void refreshRooms(),
      signedOut: (reason) => console.log(`0 error signed out: ${reason}`),
    });
    outbox = new Outbox(api, session, store);
    session.start();
    await until("the first welcome", () => session.sessionId !== "");
  },
  async join(room) {
    await refreshRooms();
    store.activeRoom = room;
    await session.join(room);
    await until(`${room} joined`, () => store.rooms.get(room)?.joined === true);
  },
  async send(room, ...words) {
    outbox.submit(room, words.join(" "));
  },
  async wait(room, count) {
    await until(`${count} messages in ${room}`, () =>
      (store.rooms.get(room)?.messages.length ?? 0) >= Number(count) && store.pendingIn(room).length === 0);
    return store.rooms.get(room).messages.map((m) => ({ seq: Number(m.seq), text: m.text }));
  },
  async stats() {
    return { states };
  },
};

async function refreshRooms() {
  const { rooms } = await api.chat.listRooms({ includePublic: true });
  store.mergeRooms(rooms);
}

for await (const line of createInterface({ input: process.stdin })) {
  const [id, name, ...args] = line.trim().split(" ");
  if (!name) continue;
  try {
    const command = commands[name];
    if (!command) throw new Error(`unknown command ${name}`);
    const result = await command(...args);
    console.log(`${id} ok${result === undefined ? "" : " " + JSON.stringify(result)}`);
  } catch (error) {
    console.log(`${id} error ${String(error?.message ?? error).split("\n")[0]}`);
  }
}
session?.stop();
process.exit(0);
