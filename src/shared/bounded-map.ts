/**
 * Sets `key` in a map kept to at most `limit` entries: beyond it the oldest entry goes (a Map keeps
 * insertion order). Returns the entry dropped, if any, so its owner can release what it held.
 */
export function setWithin<K, V>(map: Map<K, V>, key: K, value: V, limit: number): [K, V] | undefined {
  map.set(key, value);
  if (map.size <= limit) return undefined;
  const oldest = map.entries().next().value!;
  map.delete(oldest[0]);
  return oldest;
}
