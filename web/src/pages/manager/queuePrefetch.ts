// The queue's first page (as its address asks for it) and the executors, asked for as soon
// as the session is known. The page's own chunk, with the data grid, takes a while to load
// and run on a slow machine, and its queries would otherwise start only after that; this
// module stays small so that the entry chunk can carry it.
import type { QueryClient } from "@tanstack/react-query";

import { DEFAULT_PAGE_SIZE, EXECUTORS_QUERY, queuePageQuery } from "./queueApi";
import { readQueue } from "./queueUrl";

export const QUEUE_PATH = /^\/queue(\/|$)/;

export function prefetchQueue(client: QueryClient, search: URLSearchParams): void {
  const { filters, sort } = readQueue(search);
  // A failure is the page's to show when it asks again; nothing to do here.
  client.query(queuePageQuery(filters, sort, DEFAULT_PAGE_SIZE, null)).catch(() => undefined);
  client.query(EXECUTORS_QUERY).catch(() => undefined);
}
