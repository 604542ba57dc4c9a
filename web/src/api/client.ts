// The one typed client of the API. Every call carries the in-memory access token; a 401
// triggers one silent refresh through the httpOnly cookie, then the call is repeated once.
import createClient, { type Middleware } from "openapi-fetch";

import type { paths } from "./schema";
import { session } from "../auth/session";

export const api = createClient<paths>({ baseUrl: "" });

// The request sent has spent its body by the time its answer comes, so a write could not be
// repeated from it: a copy taken before sending is kept per call until its answer is in.
const spares = new Map<string, Request>();

function bearer(request: Request): string | null {
  const header = request.headers.get("Authorization");
  return header?.startsWith("Bearer ") ? header.slice("Bearer ".length) : null;
}

const authMiddleware: Middleware = {
  onRequest({ request, id }) {
    const token = session.accessToken();
    if (token && !request.headers.has("Authorization")) {
      request.headers.set("Authorization", `Bearer ${token}`);
    }
    if (!request.url.includes("/auth/session")) spares.set(id, request.clone());
    return request;
  },
  onError({ id }) {
    spares.delete(id);
  },
  async onResponse({ request, response, id, options }) {
    const spare = spares.get(id);
    spares.delete(id);
    if (response.status !== 401 || !spare) return response;
    const token = await session.refresh(bearer(request));
    if (!token) {
      session.expire();
      return response;
    }
    spare.headers.set("Authorization", `Bearer ${token}`);
    return options.fetch(spare);
  },
};

api.use(authMiddleware);
