#!/usr/bin/env node
// End-to-end test of the browser client: starts a real ChatService (fresh data dir, free ports),
// drives Debian's Chromium through playwright-core with two users (alice on a desktop-sized page,
// bob on a phone-sized one), and checks what the issue asks for. Prints "OK: name" or
// "FAIL: name: reason" per scenario and exits 0 only if all pass. Always stops its server and browser.
//
//   node e2e/chat.e2e.mjs --server-dir=/work/main/ChatService --artifacts=DIR
//
// Options: --chromium=/usr/bin/chromium, --dll=bin/Debug/net10.0/ChatService.dll (relative to server dir).
import { spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";

const args = Object.fromEntries(process.argv.slice(2).map((a) => {
  const [key, ...rest] = a.replace(/^--/, "").split("=");
  return [key, rest.join("=")];
}));
const serverDir = resolve(args["server-dir"] ?? "../ChatService");
const artifacts = resolve(args.artifacts ?? "test-artifacts");
const chromiumPath = args.chromium ?? "/usr/bin/chromium";
const dll = args.dll ?? "bin/Debug/net10.0/ChatService.dll";

const maxWaitMs = 15_000;
const scenarioBudgetMs = 45_000;
const runBudgetMs = 170_000;

mkdirSync(artifacts, { recursive: true });
const log = createWriteStream(join(artifacts, "e2e.log"));
const note = (line) => log.write(`${new Date().toISOString()} ${line}\n`);

// ---------------------------------------------------------------- server

function freePort() {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.on("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolvePort(port));
    });
  });
}

class ChatServer {
  constructor(dir, dataDir, grpcPort, webPort) {
    Object.assign(this, { dir, dataDir, grpcPort, webPort, process: null, starts: 0 });
    this.url = `http://127.0.0.1:${webPort}/`;
  }

  async start() {
    this.starts++;
    const out = createWriteStream(join(artifacts, `server-${this.starts}.log`));
    const child = spawn("dotnet", [dll], {
      cwd: this.dir,
      detached: true, // its own process group, so stop() reaches everything it started
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        DOTNET_NOLOGO: "1",
        CHAT_Endpoints__GrpcPort: String(this.grpcPort),
        CHAT_Endpoints__WebPort: String(this.webPort),
        CHAT_Storage__DataDirectory: this.dataDir,
        CHAT_Auth__BootstrapAdminUser: "admin",
        CHAT_Auth__BootstrapAdminPassword: "adminpass1",
      },
    });
    child.stdout.pipe(out);
    child.stderr.pipe(out);
    this.process = child;
    const exited = new Promise((r) => child.once("exit", (code, signal) => r(`exited (${code ?? signal})`)));
    const deadline = Date.now() + maxWaitMs;
    while (Date.now() < deadline) {
      const early = await Promise.race([exited, new Promise((r) => setTimeout(() => r(null), 200))]);
      if (early) throw new Error(`server ${early} before serving; see server-${this.starts}.log`);
      try {
        const res = await fetch(`${this.url}healthz`, { signal: AbortSignal.timeout(1000) });
        if (res.ok) return;
      } catch {
        // not listening yet
      }
    }
    throw new Error("server did not answer /healthz within 15 s");
  }

  /** SIGTERM (graceful: draining frames, store flushed), SIGKILL if it takes longer than 12 s. */
  async stop() {
    const child = this.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    signalGroup(child, "SIGTERM");
    const timer = setTimeout(() => signalGroup(child, "SIGKILL"), 12_000);
    await exited;
    clearTimeout(timer);
    this.process = null;
  }

  kill() {
    if (this.process && this.process.exitCode === null) signalGroup(this.process, "SIGKILL");
  }
}

function signalGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    try { child.kill(signal); } catch { /* already gone */ }
  }
}

// ---------------------------------------------------------------- page helpers

const text = (s) => JSON.stringify(s);

/** Waits until fn(arg) is truthy in the page; the error names what was awaited. */
async function until(page, what, fn, arg, timeout = maxWaitMs) {
  try {
    await page.waitForFunction(fn, arg, { timeout, polling: 100 });
  } catch (error) {
    throw new Error(`${what} (not within ${timeout / 1000} s)${error.message.includes("closed") ? ": page closed" : ""}`);
  }
}

const messageTexts = (page) => page.$$eval("#messages li.msg:not(.pending) .text", (els) => els.map((e) => e.textContent));

function seesMessage(page, who, body, timeout) {
  return until(page, `${who} sees message ${text(body)}`,
    (t) => [...document.querySelectorAll("#messages li.msg:not(.pending) .text")].some((e) => e.textContent === t), body, timeout);
}

function isOnline(page, who) {
  return until(page, `${who}'s page is online`, () => document.querySelector("#connection")?.dataset.state === "online");
}

/** The open room's messages have unique, consecutive seqs (nothing lost or shown twice). */
async function checkGapless(page, who) {
  const seqs = await page.$$eval("#messages li.msg[data-seq]", (els) => els.map((e) => Number(e.dataset.seq)));
  for (let i = 1; i < seqs.length; i++) {
    if (seqs[i] !== seqs[i - 1] + 1) throw new Error(`${who}'s messages are not gapless and unique: ${seqs.join(",")}`);
  }
  return seqs;
}

async function signUp(page, url, user, password) {
  await page.goto(url, { timeout: maxWaitMs });
  await page.fill("#login-user", user);
  await page.fill("#login-password", password);
  await page.click("button[name=register]");
  await isOnline(page, user);
}

/** The bootstrap admin, signed in on a page of its own browser context (close the context when done). */
async function signInAdmin(browser, server, viewport) {
  const adminContext = await browser.newContext({ viewport });
  const admin = await watch(await adminContext.newPage(), "admin");
  await admin.goto(server.url, { timeout: maxWaitMs });
  await admin.fill("#login-user", "admin");
  await admin.fill("#login-password", "adminpass1");
  await admin.click("button[name=signin]");
  await isOnline(admin, "admin");
  return { adminContext, admin };
}

async function openPanelIfPhone(page, panel) {
  const toggle = page.locator(`.${panel}-toggle`);
  if (await toggle.isVisible()) {
    if ((await toggle.getAttribute("aria-expanded")) !== "true") await toggle.click();
  }
}

async function send(page, body) {
  await page.fill("#composer-text", body);
  await page.press("#composer-text", "Enter");
}

// ---------------------------------------------------------------- scenarios

const room = "lobby";
const xss = `<img src=x onerror="window.__xss=1"> and <script>window.__xss=2</script>`;
const ctx = {};

const scenarios = [
  ["two users sign in and join the same room", async ({ server, browser }) => {
    ctx.aliceContext = await browser.newContext({ viewport: { width: 1200, height: 760 } });
    ctx.bobContext = await browser.newContext({ viewport: { width: 390, height: 760 }, isMobile: true, hasTouch: true });
    ctx.alice = await watch(await ctx.aliceContext.newPage(), "alice");
    ctx.bob = await watch(await ctx.bobContext.newPage(), "bob");
    const { alice, bob } = ctx;

    await signUp(alice, server.url, "alice", "alice-password");
    await alice.click("summary:has-text('New room')");
    await alice.fill("#new-room-id", room);
    await alice.fill("#new-room-title", "Lobby");
    await alice.click("button:has-text('Create room')");
    await isOpen(alice, room);

    await signUp(bob, server.url, "bob", "bob-password");
    await openRoom(bob, room);
    await until(bob, "bob's room list closes after picking (phone)", () => getComputedStyle(document.querySelector("#sidebar")).display === "none");
    await until(alice, "alice sees bob online in the lobby", () => document.querySelector('#members [data-user="bob"][data-status="online"]'));
  }],

  ["typing indicator reaches the other user", async () => {
    const { alice, bob } = ctx;
    await alice.click("#composer-text");
    await alice.keyboard.type("hel", { delay: 30 });
    await until(bob, "bob sees 'alice is typing…'", () => document.querySelector("#typing")?.textContent === "alice is typing…");
    await alice.fill("#composer-text", "");
    await alice.dispatchEvent("#composer-text", "input");
    await until(bob, "bob's typing indicator clears", () => document.querySelector("#typing")?.textContent === "");
  }],

  ["a sent message shows at once for the other user", async ({ artifacts }) => {
    const { alice, bob } = ctx;
    const started = Date.now();
    await send(alice, "Hello bob, this is alice.");
    await seesMessage(bob, "bob", "Hello bob, this is alice.", 3000);
    const ms = Date.now() - started;
    await send(bob, "Hi alice! Bob here, on a phone-sized screen.");
    await seesMessage(alice, "alice", "Hi alice! Bob here, on a phone-sized screen.", 3000);
    await seesMessage(alice, "alice", "Hello bob, this is alice.", 3000);
    await checkGapless(alice, "alice");
    await checkGapless(bob, "bob");
    // bob's page marked the room read while showing it: alice's message says so.
    await until(alice, "alice's message shows it was seen by bob", () => document.querySelector("#messages li.msg.mine .seen")?.textContent === "Seen by bob");
    await alice.screenshot({ path: join(artifacts, "two-user-chat-alice.png") });
    await bob.screenshot({ path: join(artifacts, "two-user-chat-bob.png") });
    return `delivered in ${ms} ms`;
  }],

  ["HTML in a message is shown as text", async () => {
    const { alice, bob } = ctx;
    await send(bob, xss);
    await seesMessage(alice, "alice", xss);
    await seesMessage(bob, "bob", xss);
    for (const [who, page] of [["alice", alice], ["bob", bob]]) {
      const found = await page.evaluate(() => ({
        images: document.querySelectorAll("#messages img, #messages script").length,
        flag: window.__xss ?? null,
      }));
      if (found.images > 0 || found.flag !== null) throw new Error(`${who}'s page turned the text into markup: ${JSON.stringify(found)}`);
    }
  }],

  ["direct messages and unread counts", async () => {
    const { alice, bob } = ctx;
    await alice.fill("#dm-user", "bob");
    await alice.press("#dm-user", "Enter");
    await isOpen(alice, "dm:alice:bob");
    await send(alice, "psst, just between us");
    await seesMessage(alice, "alice", "psst, just between us");
    // alice is in the direct room now: bob's next lobby message counts as unread for her.
    await send(bob, "anyone in the lobby?");
    await until(alice, "alice's lobby shows 1 unread", (r) => document.querySelector(`#sidebar [data-room="${r}"] .unread`)?.textContent === "1", room);
    // bob learns of the new direct room from the room list (the server sends no event for it).
    await until(bob, "bob's direct messages show alice's room with 1 unread",
      () => document.querySelector('#sidebar [data-room="dm:alice:bob"] .unread')?.textContent === "1");
    await openRoom(bob, "dm:alice:bob");
    await seesMessage(bob, "bob", "psst, just between us");
    await until(bob, "bob's unread count clears once read", () => !document.querySelector('#sidebar [data-room="dm:alice:bob"] .unread'));
    // Back to the lobby for the rest.
    await openRoom(alice, room);
    await seesMessage(alice, "alice", "anyone in the lobby?");
    await until(alice, "alice's lobby unread count clears", (r) => !document.querySelector(`#sidebar [data-room="${r}"] .unread`), room);
    await openRoom(bob, room);
  }],

  ["admin broadcast shows as a toast", async ({ server, browser }) => {
    const { alice, bob } = ctx;
    const { adminContext, admin } = await signInAdmin(browser, server, { width: 1000, height: 700 });
    try {
      await admin.click("summary:has-text('Broadcast')");
      await admin.fill("#broadcast-title", "Maintenance");
      await admin.fill("#broadcast-body", "Back in <b>5</b> minutes");
      await admin.click("button:has-text('Send to everyone online')");
      for (const [who, page] of [["alice", alice], ["bob", bob]]) {
        await until(page, `${who} sees the broadcast toast`, () => [...document.querySelectorAll("#toasts .toast.broadcast")]
          .some((t) => t.querySelector(".toast-title")?.textContent.startsWith("Maintenance") && t.querySelector("p")?.textContent === "Back in <b>5</b> minutes"));
      }
    } finally {
      await adminContext.close();
    }
  }],

  ["older history loads on scroll-up", async () => {
    const { alice, bob } = ctx;
    await openRoom(alice, room);
    await openRoom(bob, room);
    for (let i = 1; i <= 60; i++) await send(alice, `filler ${i}`);
    await seesMessage(alice, "alice", "filler 60");
    await seesMessage(bob, "bob", "filler 60");
    // A reload joins fresh: only the most recent page comes with the join.
    await bob.reload({ timeout: maxWaitMs });
    await isOnline(bob, "bob after reload");
    await seesMessage(bob, "bob", "filler 60");
    const before = (await messageTexts(bob)).length;
    if (before > 50) throw new Error(`expected at most 50 messages after a fresh join, got ${before}`);
    await bob.$eval("#messages", (list) => (list.scrollTop = 0));
    await seesMessage(bob, "bob", "Hello bob, this is alice.");
    await until(bob, "the first message (seq 1) is loaded", () => document.querySelector('#messages li.msg[data-seq="1"]'));
    const seqs = await checkGapless(bob, "bob");
    return `${before} messages after the join, ${seqs.length} after scrolling up`;
  }],

  ["network drop: the page reconnects and catches up", async () => {
    const { alice, bob, aliceContext } = ctx;
    await openRoom(alice, room);
    await openRoom(bob, room);
    await aliceContext.setOffline(true);
    await until(alice, "alice's page shows it is reconnecting", () => document.querySelector("#connection")?.dataset.state === "reconnecting");
    for (let i = 1; i <= 3; i++) await send(bob, `while alice was offline ${i}`);
    await seesMessage(bob, "bob", "while alice was offline 3");
    await send(alice, "alice wrote this offline");
    await until(alice, "alice's message waits for the connection", () => document.querySelector('#messages li.pending[data-pending="queued"]'));
    await aliceContext.setOffline(false);
    await isOnline(alice, "alice");
    await seesMessage(alice, "alice", "while alice was offline 3");
    await seesMessage(bob, "bob", "alice wrote this offline");
    await seesMessage(alice, "alice", "alice wrote this offline");
    for (const [who, page] of [["alice", alice], ["bob", bob]]) {
      const texts = await messageTexts(page);
      for (const body of ["while alice was offline 1", "while alice was offline 2", "while alice was offline 3", "alice wrote this offline"]) {
        const n = texts.filter((t) => t === body).length;
        if (n !== 1) throw new Error(`${who} shows ${text(body)} ${n} times`);
      }
      await checkGapless(page, who);
    }
  }],

  ["edit and delete: the other page follows, also across a drop", async () => {
    const { alice, bob, bobContext } = ctx;
    await openRoom(alice, room);
    await openRoom(bob, room);
    await send(alice, "meeting at 3pm tmorrow");
    await send(alice, "this one goes away");
    await seesMessage(bob, "bob", "this one goes away");
    const seqOf = (body) => alice.$$eval("#messages li.msg[data-seq]", (els, t) => els.find((e) => e.querySelector(".text")?.textContent === t)?.dataset.seq, body);
    const meeting = await seqOf("meeting at 3pm tmorrow");
    const doomed = await seqOf("this one goes away");

    // The up arrow on an empty box edits the newest own message; the Edit button any own one.
    await alice.fill("#composer-text", "");
    await alice.press("#composer-text", "ArrowUp");
    await until(alice, "the up arrow puts the last message into the box", () => document.querySelector("#composer-text").value === "this one goes away"
      && document.querySelector("#edit-note")?.textContent.startsWith("Editing message #"));
    await alice.press("#composer-text", "Escape");
    await until(alice, "escape leaves edit mode", () => document.querySelector("#edit-note").hidden && document.querySelector("#composer-text").value === "");
    await alice.hover(`#messages li.msg[data-seq="${meeting}"]`);
    await alice.click(`#messages li.msg[data-seq="${meeting}"] button:has-text('Edit')`);
    await until(alice, "the edit button fills the box", (t) => document.querySelector("#composer-text").value === t, "meeting at 3pm tmorrow");
    await alice.fill("#composer-text", "meeting at 3pm tomorrow");
    await alice.press("#composer-text", "Enter");
    await until(bob, "bob sees the edit in place, marked", (s) => {
      const li = document.querySelector(`#messages li.msg[data-seq="${s}"]`);
      return li?.querySelector(".text")?.textContent === "meeting at 3pm tomorrow" && li.querySelector(".edited");
    }, meeting);

    // Changed while bob is away: his page gets them on resume.
    await bobContext.setOffline(true);
    await until(bob, "bob's page shows it is reconnecting", () => document.querySelector("#connection")?.dataset.state === "reconnecting");
    await alice.hover(`#messages li.msg[data-seq="${meeting}"]`);
    await alice.click(`#messages li.msg[data-seq="${meeting}"] button:has-text('Edit')`);
    await until(alice, "the edit button fills the box again", (t) => document.querySelector("#composer-text").value === t, "meeting at 3pm tomorrow");
    await alice.fill("#composer-text", "meeting at 4pm tomorrow");
    await alice.press("#composer-text", "Enter");
    await alice.hover(`#messages li.msg[data-seq="${doomed}"]`);
    await alice.click(`#messages li.msg[data-seq="${doomed}"] button:has-text('Delete')`);
    await until(alice, "alice sees her message deleted", (s) => document.querySelector(`#messages li.msg[data-seq="${s}"] .text.deleted`), doomed);
    await bobContext.setOffline(false);
    await isOnline(bob, "bob");
    await until(bob, "bob sees the edit made while he was away", (s) => document.querySelector(`#messages li.msg[data-seq="${s}"] .text`)?.textContent === "meeting at 4pm tomorrow", meeting);
    await until(bob, "bob sees the deletion made while he was away", (s) => document.querySelector(`#messages li.msg[data-seq="${s}"] .text.deleted`), doomed);
    for (const [who, page] of [["alice", alice], ["bob", bob]]) {
      const texts = await messageTexts(page);
      if (texts.some((t) => t.includes("tmorrow") || t === "this one goes away")) throw new Error(`${who} still shows an old text`);
      await checkGapless(page, who);
    }
  }],

  ["a reply quotes its message, and the quote follows the message", async () => {
    const { alice, bob } = ctx;
    await openRoom(alice, room);
    await openRoom(bob, room);
    await send(alice, "who takes the minutes?");
    await seesMessage(bob, "bob", "who takes the minutes?");
    const asked = await bob.$$eval("#messages li.msg[data-seq]", (els) => els.find((e) => e.querySelector(".text")?.textContent === "who takes the minutes?")?.dataset.seq);
    // A phone has no hover: the message's actions show without it.
    await bob.click(`#messages li.msg[data-seq="${asked}"] button:has-text('Reply')`);
    await until(bob, "the composer says what it replies to", () => document.querySelector("#edit-note")?.textContent.startsWith("Replying to alice: who takes the minutes?"));
    await send(bob, "I will");
    await until(alice, "alice sees bob's reply quoting her question", (s) => {
      const li = [...document.querySelectorAll("#messages li.msg")].find((e) => e.querySelector(".text")?.textContent === "I will");
      return li?.querySelector(`blockquote.quote[data-quotes="${s}"]`)?.textContent === "alice who takes the minutes?";
    }, asked);
    await alice.hover(`#messages li.msg[data-seq="${asked}"]`);
    await alice.click(`#messages li.msg[data-seq="${asked}"] button:has-text('Delete')`);
    for (const [who, page] of [["alice", alice], ["bob", bob]]) {
      await until(page, `${who} sees the quote of the deleted question as deleted`, (s) => {
        const li = [...document.querySelectorAll("#messages li.msg")].find((e) => e.querySelector(".text")?.textContent === "I will");
        return Boolean(li?.querySelector(`blockquote.quote[data-quotes="${s}"] .deleted`));
      }, asked);
    }
  }],

  ["a mention reaches a user in another room, with a count until read", async () => {
    const { alice, bob } = ctx;
    await openRoom(alice, room);
    await openRoom(bob, "dm:alice:bob");
    await alice.fill("#composer-text", "");
    await alice.click("#composer-text");
    await alice.keyboard.type("@bo", { delay: 20 });
    await alice.press("#composer-text", "Tab");
    await until(alice, "Tab completes the member's name", () => document.querySelector("#composer-text").value === "@bob ");
    await alice.keyboard.type("please look at the agenda");
    await alice.press("#composer-text", "Enter");
    await until(bob, "bob, in another room, is told he was mentioned", () => [...document.querySelectorAll("#toasts .toast")]
      .some((t) => t.querySelector(".toast-title")?.textContent.startsWith("alice mentioned you in") && t.querySelector("p")?.textContent === "@bob please look at the agenda"));
    await until(bob, "the lobby shows one mention", (r) => document.querySelector(`#sidebar [data-room="${r}"] .mentions`)?.textContent === "@1", room);
    await openRoom(bob, room);
    await seesMessage(bob, "bob", "@bob please look at the agenda");
    await openRoom(bob, "dm:alice:bob");
    await until(bob, "the mention count clears once the room was read", (r) => !document.querySelector(`#sidebar [data-room="${r}"] .mentions`), room);
    await openRoom(bob, room);
  }],

  ["search finds a message by its words and opens its room", async () => {
    const { alice } = ctx;
    await openRoom(alice, "dm:alice:bob");
    await alice.fill("#search-text", "agenda");
    for (let attempt = 0; ; attempt++) {
      // Indexing trails a send by up to a quarter second; the mention above was sent just before.
      await alice.press("#search-text", "Enter");
      try {
        await until(alice, "a hit for 'agenda'", () => document.querySelector("#search-results li.hit mark")?.textContent === "agenda", undefined, 2000);
        break;
      } catch (error) {
        if (attempt >= 5) throw error;
      }
    }
    const hit = await alice.$eval("#search-results li.hit", (li) => ({ room: li.dataset.room, snippet: li.querySelector(".snippet").textContent }));
    if (hit.room !== room || hit.snippet !== "@bob please look at the agenda") throw new Error(`unexpected hit ${JSON.stringify(hit)}`);
    await alice.click("#search-results li.hit button");
    await isOpen(alice, room);
    await until(alice, "the results close and the conversation is back", () => document.querySelector(".search-pane").hidden && !document.querySelector("#messages").hidden);
  }],

  ["server restart: pages resume with nothing lost or doubled", async ({ server }) => {
    const { alice, bob } = ctx;
    await openRoom(alice, room);
    await openRoom(bob, room);
    await server.stop();
    for (const [who, page] of [["alice", alice], ["bob", bob]]) {
      await until(page, `${who}'s page shows it is reconnecting`, () => document.querySelector("#connection")?.dataset.state === "reconnecting");
    }
    // Sent while the server is down: queued, then sent once on resume with the same client_msg_id.
    await send(alice, "sent while the server was down");
    await until(alice, "alice's message waits for the connection", () => document.querySelector('#messages li.pending[data-pending="queued"]'));
    await server.start();
    await isOnline(alice, "alice");
    await isOnline(bob, "bob");
    await seesMessage(bob, "bob", "sent while the server was down");
    await seesMessage(alice, "alice", "sent while the server was down");
    await until(alice, "alice has no pending message left", () => !document.querySelector("#messages li.pending"));
    await send(bob, "back after the restart");
    await seesMessage(alice, "alice", "back after the restart");
    for (const [who, page] of [["alice", alice], ["bob", bob]]) {
      const texts = await messageTexts(page);
      for (const body of ["sent while the server was down", "back after the restart", "filler 60"]) {
        const n = texts.filter((t) => t === body).length;
        if (n !== 1) throw new Error(`${who} shows ${text(body)} ${n} times`);
      }
      await checkGapless(page, who);
    }
    await alice.screenshot({ path: join(artifacts, "after-restart-alice.png") });
  }],

  ["admin dashboard: live figures and actions that ask first", async ({ server, browser, artifacts }) => {
    const { alice, bob } = ctx;
    await openRoom(alice, room);
    // A user with no page, registered over the JSON API, to be kicked without disturbing alice and bob.
    const carol = await fetch(`${server.url}v1/auth/register`, {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ userName: "carol", password: "carol-password" }),
    });
    if (!carol.ok) throw new Error(`registering carol over the JSON API: HTTP ${carol.status}`);
    // Tall enough that the whole dashboard shows in the screenshot.
    const { adminContext, admin } = await signInAdmin(browser, server, { width: 1280, height: 1180 });
    try {
      if (await alice.isVisible("#dashboard-toggle")) throw new Error("a member sees the dashboard button");
      await admin.click("#dashboard-toggle");
      await until(admin, "the dashboard counts alice's, bob's and admin's streams", () => Number(document.querySelector("#dash-connections")?.textContent) >= 3);
      await until(admin, "one node, listed with its connections", () => document.querySelectorAll("#dash-nodes tr[data-node]").length === 1);
      await until(admin, "the lobby is among the busiest rooms", (r) => document.querySelector(`#dash-rooms-busiest tr[data-room="${r}"]`), room);
      await until(admin, "the rate chart draws the last minute", () => (document.querySelector("#rate-chart polyline")?.getAttribute("points") ?? "").split(" ").length >= 60);

      // Every action asks first; cancelling runs nothing.
      const toastsBefore = await admin.$$eval("#toasts .toast", (t) => t.length);
      await admin.fill("#dash-kick [name=user]", "carol");
      await admin.click("#dash-kick button[type=submit]");
      await until(admin, "kicking asks for confirmation", () => document.querySelector("#dash-kick .question")?.textContent === "End every connection of carol?");
      await admin.click("#dash-kick .confirm button.secondary");
      await until(admin, "cancel puts the button back", () => document.querySelector("#dash-kick .confirm").hidden);
      if ((await admin.$$eval("#toasts .toast", (t) => t.length)) !== toastsBefore) throw new Error("cancelling still ran the kick");
      await admin.click("#dash-kick button[type=submit]");
      await admin.click("#dash-kick .confirm-yes");
      await until(admin, "the kick reports back", () => [...document.querySelectorAll("#toasts .toast-title")].some((t) => t.textContent === "Kicked carol"));

      await admin.fill("#dash-notify [name=user]", "bob");
      await admin.fill("#dash-notify [name=title]", "Standup");
      await admin.fill("#dash-notify [name=body]", "in five minutes");
      await admin.click("#dash-notify button[type=submit]");
      await admin.click("#dash-notify .confirm-yes");
      await until(bob, "bob sees the notification", () => [...document.querySelectorAll("#toasts .toast")]
        .some((t) => t.querySelector(".toast-title")?.textContent.startsWith("Standup") && t.querySelector("p")?.textContent === "in five minutes"));

      const seq = await alice.$eval("#messages li.msg[data-seq]", (m) => m.dataset.seq);
      await admin.fill("#dash-delete [name=room]", room);
      await admin.fill("#dash-delete [name=seq]", seq);
      await admin.click("#dash-delete button[type=submit]");
      await admin.click("#dash-delete .confirm-yes");
      await until(alice, `alice sees message #${seq} deleted`, (s) => document.querySelector(`#messages li.msg[data-seq="${s}"] .text.deleted`), seq);

      await admin.fill("#dash-role [name=user]", "carol");
      await admin.selectOption("#dash-role select", { label: "moderator" });
      await admin.click("#dash-role button[type=submit]");
      await until(admin, "changing a role asks first", () => document.querySelector("#dash-role .question")?.textContent === "Make carol moderator?");
      await admin.click("#dash-role .confirm-yes");
      await until(admin, "the role change reports back", () => [...document.querySelectorAll("#toasts .toast-title")].some((t) => t.textContent === "carol is now moderator"));
      await admin.$eval("#dashboard", (d) => d.scrollTo(0, 0));
      await admin.screenshot({ path: join(artifacts, "admin-dashboard.png") });
    } finally {
      await adminContext.close();
    }
  }],

  ["closing a page takes its user offline for the other", async () => {
    const { alice, bob } = ctx;
    await until(alice, "alice sees bob online", () => document.querySelector('#members [data-user="bob"][data-status="online"]'));
    await bob.close();
    await until(alice, "alice sees bob go offline", () => document.querySelector('#members [data-user="bob"][data-status="offline"]'));
    await alice.screenshot({ path: join(artifacts, "bob-offline-alice.png") });
  }],
];

/** Opens a room from the sidebar (through the phone layout's Rooms panel if need be). */
async function openRoom(page, roomId) {
  if (await page.$(`#sidebar [data-room="${roomId}"][aria-current="true"]`)) return;
  await openPanelIfPhone(page, "rooms");
  await page.click(`#sidebar [data-room="${roomId}"]`, { timeout: maxWaitMs });
  await isOpen(page, roomId);
}

async function isOpen(page, roomId) {
  await until(page, `room ${roomId} is open`, (r) => document.querySelector(`#sidebar [data-room="${r}"][aria-current="true"]`), roomId);
}

const pageErrors = [];
async function watch(page, who) {
  page.on("console", (m) => note(`[${who} console.${m.type()}] ${m.text()}`));
  page.on("pageerror", (e) => {
    pageErrors.push(`${who}: ${e.message}`);
    note(`[${who} pageerror] ${e.message}`);
  });
  return page;
}

// ---------------------------------------------------------------- run

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), "chatgrpc-e2e-"));
  const server = new ChatServer(serverDir, dataDir, await freePort(), await freePort());
  let browser;
  const cleanup = () => {
    server.kill();
    try { rmSync(dataDir, { recursive: true, force: true }); } catch { /* best effort */ }
  };
  process.on("exit", cleanup);
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(130));
  const runTimer = setTimeout(() => {
    console.log("FAIL: run: exceeded its time budget");
    process.exit(1);
  }, runBudgetMs);

  let failed = 0;
  try {
    if (!existsSync(join(serverDir, dll))) throw new Error(`no server build at ${join(serverDir, dll)}`);
    await server.start();
    browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"],
      timeout: maxWaitMs,
    });
    for (const [name, run] of scenarios) {
      const started = Date.now();
      note(`scenario: ${name}`);
      try {
        const detail = await withTimeout(run({ server, browser, artifacts }), scenarioBudgetMs, name);
        console.log(`OK: ${name}${detail ? ` (${detail})` : ""}`);
        note(`ok in ${Date.now() - started} ms${detail ? `: ${detail}` : ""}`);
      } catch (error) {
        failed++;
        const reason = String(error?.message ?? error).split("\n")[0];
        console.log(`FAIL: ${name}: ${reason}`);
        note(`FAIL: ${error?.stack ?? error}`);
        await snapshotOnFailure(name);
      }
    }
    if (pageErrors.length > 0) {
      failed++;
      console.log(`FAIL: no script errors on the pages: ${pageErrors[0]}`);
    }
  } catch (error) {
    failed++;
    console.log(`FAIL: setup: ${String(error?.message ?? error).split("\n")[0]}`);
  } finally {
    clearTimeout(runTimer);
    await browser?.close().catch(() => undefined);
    await server.stop().catch(() => server.kill());
    cleanup();
    log.end();
  }
  process.exitCode = failed === 0 ? 0 : 1;
}

async function snapshotOnFailure(name) {
  const slug = name.replace(/[^a-z0-9]+/gi, "-").toLowerCase();
  for (const who of ["alice", "bob"]) {
    const page = ctx[who];
    if (!page || page.isClosed()) continue;
    await page.screenshot({ path: join(artifacts, `failed-${slug}-${who}.png`) }).catch(() => undefined);
    const state = await page.evaluate(() => ({
      url: location.href,
      connection: document.querySelector("#connection")?.textContent,
      rooms: [...document.querySelectorAll("#sidebar [data-room]")].map((b) => `${b.dataset.room}${b.getAttribute("aria-current") ? "*" : ""}:${b.querySelector(".unread")?.textContent ?? 0}`),
      messages: [...document.querySelectorAll("#messages li.msg")].map((m) => `${m.dataset.seq ?? m.dataset.pending} ${m.querySelector(".text")?.textContent}`),
    })).catch((e) => String(e));
    note(`${who} at failure: ${JSON.stringify(state)}`);
  }
}

function withTimeout(promise, ms, name) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${name} took longer than ${ms / 1000} s`)), ms); }),
  ]);
}

await main();
