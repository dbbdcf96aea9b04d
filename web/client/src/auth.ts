// Who is signed in: the tokens from AuthService, kept in sessionStorage so a reload stays signed in
// (per tab: refresh tokens rotate, so two tabs must not share one).
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { Code, errorCode, type Api } from "./api.js";
import type { Tokens } from "./gen/chat/v1/auth_pb.js";
import type { User } from "./gen/chat/v1/types_pb.js";

const storageKey = "chatgrpc.auth";

interface Saved {
  userName: string;
  accessToken: string;
  accessExpiresAt: number;
  refreshToken: string;
}

export class Auth {
  private saved: Saved | null = null;
  private refreshing: Promise<void> | null = null;

  constructor(private readonly api: () => Api, private readonly storage: Storage = sessionStorage) {
    try {
      const raw = storage.getItem(storageKey);
      this.saved = raw ? (JSON.parse(raw) as Saved) : null;
    } catch {
      this.saved = null;
    }
  }

  get signedIn(): boolean {
    return this.saved !== null;
  }

  get accessToken(): string {
    return this.saved?.accessToken ?? "";
  }

  get accessExpiresAt(): number {
    return this.saved?.accessExpiresAt ?? 0;
  }

  get userName(): string {
    return this.saved?.userName ?? "";
  }

  async signIn(userName: string, password: string, register: boolean): Promise<User | undefined> {
    const request = { userName, password };
    const response = register ? await this.api().auth.register(request) : await this.api().auth.login(request);
    this.store(response.user?.name ?? userName, response.tokens);
    return response.user;
  }

  /** Trades the refresh token for new tokens. Concurrent callers share one exchange (the old token dies with it). */
  refresh(): Promise<void> {
    this.refreshing ??= this.exchange().finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  /** Refreshes first if the access token is about to expire. */
  async ensureFresh(marginMs = 30_000): Promise<void> {
    if (this.saved && this.saved.accessExpiresAt - Date.now() < marginMs) await this.refresh();
  }

  /** Ends this sign-in on the server too (its tokens stop working, its streams end), then forgets it here. */
  async logout(): Promise<void> {
    const current = this.saved;
    this.signOut();
    if (!current) return;
    // Signing out here is what the user asked for, reachable server or not; its tokens expire anyway.
    await this.api().auth.logout({ refreshToken: current.refreshToken }).catch((error: unknown) => console.warn("logout", error));
  }

  signOut(): void {
    this.saved = null;
    this.storage.removeItem(storageKey);
  }

  private async exchange(): Promise<void> {
    const current = this.saved;
    if (!current) throw new Error("not signed in");
    try {
      const response = await this.api().auth.refresh({ refreshToken: current.refreshToken });
      this.store(response.user?.name ?? current.userName, response.tokens);
    } catch (error) {
      // A refused refresh token will never work again; anything else (network) may.
      if (errorCode(error) === Code.Unauthenticated) this.signOut();
      throw error;
    }
  }

  private store(userName: string, tokens: Tokens | undefined): void {
    if (!tokens) throw new Error("the server sent no tokens");
    this.saved = {
      userName,
      accessToken: tokens.accessToken,
      accessExpiresAt: tokens.accessTokenExpiresAt ? timestampMs(tokens.accessTokenExpiresAt) : Date.now() + 60_000,
      refreshToken: tokens.refreshToken,
    };
    this.storage.setItem(storageKey, JSON.stringify(this.saved));
  }
}
