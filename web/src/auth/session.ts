// Where the access token lives: in this module's memory only, never in storage, so a
// script injected into the page cannot read it back after a reload. The refresh token is
// an httpOnly cookie the browser sends to /auth/session/refresh alone; that call carries
// the CSRF cookie's value in a header, which another site cannot read or set.
type Listener = () => void;

export interface TokenAnswer {
  access_token: string;
  expires_in: number;
}

const CSRF_COOKIE = "sra_csrf";
const CSRF_HEADER = "X-CSRF-Token";

let accessToken: string | null = null;
let refreshing: Promise<string | null> | null = null;
let expired = false;
const listeners = new Set<Listener>();

function notify(): void {
  for (const listener of listeners) listener();
}

export function csrfToken(): string {
  const match = document.cookie.split("; ").find((part) => part.startsWith(`${CSRF_COOKIE}=`));
  return match ? decodeURIComponent(match.slice(CSRF_COOKIE.length + 1)) : "";
}

export function csrfHeaders(): Record<string, string> {
  return { [CSRF_HEADER]: csrfToken() };
}

async function refreshOnce(): Promise<string | null> {
  try {
    const response = await fetch("/auth/session/refresh", {
      method: "POST",
      credentials: "same-origin",
      headers: csrfHeaders(),
    });
    if (!response.ok) return null;
    const answer = (await response.json()) as TokenAnswer;
    session.accept(answer);
    channel?.postMessage({ type: "renewed", access_token: answer.access_token } satisfies Renewed);
    return answer.access_token;
  } catch {
    return null;
  }
}

// The refresh cookie is spent by each use and a spent one signs the session out everywhere,
// so the tabs of this browser take turns: one refreshes under a lock and tells the others
// the new token; a tab that waited for the lock takes that token instead of spending again.
const LOCK = "sra-refresh";
const CHANNEL = "sra-session";
// How long the refreshing tab keeps the lock after telling the others, so that its message
// reaches them before a tab queued behind it looks at its own token.
const HANDOVER_MS = 150;

interface Renewed {
  type: "renewed";
  access_token: string;
}

const channel = typeof BroadcastChannel === "function" ? new BroadcastChannel(CHANNEL) : null;
channel?.addEventListener("message", (event: MessageEvent<Partial<Renewed>>) => {
  // A tab that is signed out or expired stays so: only a live session takes the new token.
  const token = event.data.access_token;
  if (event.data.type !== "renewed" || !token || accessToken === null) return;
  accessToken = token;
  notify();
});

function refreshAcrossTabs(stale: string | null): Promise<string | null> {
  const locks = typeof navigator === "undefined" ? undefined : navigator.locks;
  if (!locks) return refreshOnce();
  return new Promise((resolve) => {
    let held = false;
    locks
      .request(LOCK, async () => {
        held = true;
        if (accessToken !== null && accessToken !== stale) {
          resolve(accessToken);
          return;
        }
        const token = await refreshOnce();
        resolve(token);
        if (token) await new Promise((done) => setTimeout(done, HANDOVER_MS));
      })
      .catch(() => {
        // No lock to be had (an old or locked-down browser): this tab's single flight still holds.
        if (!held) resolve(refreshOnce());
      });
  });
}

export const session = {
  accessToken: (): string | null => accessToken,
  isExpired: (): boolean => expired,
  accept(answer: TokenAnswer): void {
    accessToken = answer.access_token;
    expired = false;
    notify();
  },
  /** One refresh at a time: parallel 401s share it, so the rotated cookie is spent once.
   * `stale` is the token that was refused; a different one in hand (renewed meanwhile by
   * another tab) is answered without a refresh. */
  refresh(stale: string | null = accessToken): Promise<string | null> {
    if (accessToken !== null && stale !== null && accessToken !== stale) return Promise.resolve(accessToken);
    refreshing ??= refreshAcrossTabs(stale).finally(() => {
      refreshing = null;
    });
    return refreshing;
  },
  /** The session ran out: the page stays mounted (and keeps what was typed) under a sign-in dialog. */
  expire(): void {
    if (accessToken === null && expired) return;
    accessToken = null;
    expired = true;
    notify();
  },
  clear(): void {
    accessToken = null;
    expired = false;
    notify();
  },
  subscribe: (listener: Listener): (() => void) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};
