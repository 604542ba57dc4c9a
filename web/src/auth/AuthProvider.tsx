import { useQueryClient } from "@tanstack/react-query";
import { createContext, useCallback, useContext, useEffect, useMemo, useState, useSyncExternalStore, type ReactNode } from "react";

import { api } from "../api/client";
import { ApiError, unwrap } from "../api/problem";
import type { components } from "../api/schema";
import { notices } from "../feedback/notices";
import { applyLocale } from "../i18n";
import { csrfHeaders, session, type TokenAnswer } from "./session";

export type User = components["schemas"]["UserPublic"];
export type Role = components["schemas"]["Role"];

interface AuthState {
  status: "loading" | "anonymous" | "signed-in";
  user: User | null;
  /** The access token ran out and could not be renewed: a sign-in dialog covers the page. */
  expired: boolean;
  signIn: (email: string, password: string) => Promise<void>;
  signOut: () => Promise<void>;
  setUser: (user: User) => void;
}

const AuthContext = createContext<AuthState | null>(null);

async function fetchMe(): Promise<User> {
  return unwrap(await api.GET("/auth/me"));
}

async function postSession(email: string, password: string): Promise<TokenAnswer> {
  const response = await fetch("/auth/session", {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ username: email, password }),
  });
  if (!response.ok) {
    throw new ApiError(response.status, (await response.json().catch(() => ({}))) as object);
  }
  return (await response.json()) as TokenAnswer;
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<AuthState["status"]>("loading");
  const [user, setUserState] = useState<User | null>(null);
  const expired = useSyncExternalStore(session.subscribe, session.isExpired);

  const setUser = useCallback((next: User) => {
    setUserState(next);
    void applyLocale(next.locale);
  }, []);

  useEffect(() => {
    // A reload keeps the session through the refresh cookie, never through storage.
    let live = true;
    void session.refresh().then(async (token) => {
      if (!live) return;
      if (!token) {
        setStatus("anonymous");
        return;
      }
      try {
        setUser(await fetchMe());
        setStatus("signed-in");
      } catch {
        setStatus("anonymous");
      }
    });
    return () => {
      live = false;
    };
  }, [setUser]);

  const signIn = useCallback(
    async (email: string, password: string) => {
      const previous = user?.id;
      session.accept(await postSession(email, password));
      const me = await fetchMe();
      if (previous && previous !== me.id) {
        // Someone else signed in on this tab: nothing of the last account may show.
        queryClient.clear();
      }
      setUser(me);
      setStatus("signed-in");
    },
    [queryClient, setUser, user?.id],
  );

  const signOut = useCallback(async () => {
    const token = session.accessToken();
    try {
      const response = await fetch("/auth/session", {
        method: "DELETE",
        credentials: "same-origin",
        headers: { ...csrfHeaders(), ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      });
      if (!response.ok) throw new ApiError(response.status, (await response.json().catch(() => ({}))) as object);
    } catch (error) {
      // The server may still hold the session: the user is told so, and this tab forgets it anyway.
      notices.error(error);
    }
    session.clear();
    queryClient.clear();
    setUserState(null);
    setStatus("anonymous");
  }, [queryClient]);

  const value = useMemo<AuthState>(
    () => ({ status, user, expired, signIn, signOut, setUser }),
    [status, user, expired, signIn, signOut, setUser],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const state = useContext(AuthContext);
  if (!state) throw new Error("useAuth outside AuthProvider");
  return state;
}

/** The signed-in user; only for pages behind RequireRole. */
export function useUser(): User {
  const { user } = useAuth();
  if (!user) throw new Error("useUser without a signed-in user");
  return user;
}
