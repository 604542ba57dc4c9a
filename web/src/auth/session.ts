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
    return answer.access_token;
  } catch {
    return null;
  }
}

export const session = {
  accessToken: (): string | null => accessToken,
  isExpired: (): boolean => expired,
  accept(answer: TokenAnswer): void {
    accessToken = answer.access_token;
    expired = false;
    notify();
  },
  /** One refresh at a time: parallel 401s share it, so the rotated cookie is spent once. */
  refresh(): Promise<string | null> {
    refreshing ??= refreshOnce().finally(() => {
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
