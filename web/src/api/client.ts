// The one typed client of the API. Every call carries the in-memory access token; a 401
// triggers one silent refresh through the httpOnly cookie, then the call is repeated once.
import createClient, { type Middleware } from "openapi-fetch";

import type { paths } from "./schema";
import { session } from "../auth/session";

export const api = createClient<paths>({ baseUrl: "" });

const retried = new WeakSet<Request>();

const authMiddleware: Middleware = {
  onRequest({ request }) {
    const token = session.accessToken();
    if (token && !request.headers.has("Authorization")) {
      request.headers.set("Authorization", `Bearer ${token}`);
    }
    return request;
  },
  async onResponse({ request, response }) {
    if (response.status !== 401 || retried.has(request) || request.url.includes("/auth/session")) {
      return response;
    }
    const token = await session.refresh();
    if (!token) {
      session.expire();
      return response;
    }
    const again = new Request(request, { headers: new Headers(request.headers) });
    again.headers.set("Authorization", `Bearer ${token}`);
    retried.add(again);
    return fetch(again);
  },
};

api.use(authMiddleware);
