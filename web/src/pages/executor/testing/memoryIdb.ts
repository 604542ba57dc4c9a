// idb-keyval over a Map for jsdom (no IndexedDB there): values are cloned on the way in
// and out like IndexedDB does, so a test sees what a real store would hold.
const store = new Map<string, unknown>();

export function get<T>(key: string): Promise<T | undefined> {
  return Promise.resolve(structuredClone(store.get(key)) as T | undefined);
}

export function set(key: string, value: unknown): Promise<void> {
  store.set(key, structuredClone(value));
  return Promise.resolve();
}

export function update<T>(key: string, updater: (old: T | undefined) => T): Promise<void> {
  store.set(key, structuredClone(updater(structuredClone(store.get(key)) as T | undefined)));
  return Promise.resolve();
}

export function clear(): Promise<void> {
  store.clear();
  return Promise.resolve();
}
