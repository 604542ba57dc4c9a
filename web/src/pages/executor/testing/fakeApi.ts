// A stand-in for the API behind globalThis.fetch: answers by "METHOD /path" and keeps
// every call (headers and JSON body) for the test to check what was really sent.
export interface SentCall {
  method: string;
  path: string;
  search: string;
  idempotencyKey: string | null;
  body: unknown;
}

export type Handler = (call: SentCall) => Response | Promise<Response>;

export function json(body: unknown, status = 200): Response {
  const type = status >= 400 ? "application/problem+json" : "application/json";
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": type } });
}

export function networkDown(): never {
  throw new TypeError("Failed to fetch");
}

export class FakeApi {
  readonly calls: SentCall[] = [];
  private readonly handlers = new Map<string, Handler>();

  on(route: string, handler: Handler): this {
    this.handlers.set(route, handler);
    return this;
  }

  reset(): void {
    this.calls.length = 0;
    this.handlers.clear();
  }

  sent(route: string): SentCall[] {
    return this.calls.filter((call) => `${call.method} ${call.path}` === route);
  }

  readonly fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request ? input : new Request(new URL(String(input), "http://localhost"), init);
    const url = new URL(request.url);
    const text = request.method === "GET" ? "" : await request.clone().text();
    const call: SentCall = {
      method: request.method,
      path: url.pathname,
      search: url.search,
      idempotencyKey: request.headers.get("Idempotency-Key"),
      body: text ? (JSON.parse(text) as unknown) : null,
    };
    this.calls.push(call);
    const handler = this.handlers.get(`${call.method} ${call.path}`);
    return handler ? handler(call) : json({ title: "Not Found", status: 404 }, 404);
  };
}
