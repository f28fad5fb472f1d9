/**
 * A run's id: a UUIDv7 (RFC 9562), its first 48 bits the start time in milliseconds and the rest
 * random. Ids made later sort later, so run history rows go in at the end of their index rather than
 * at random pages. Made from `crypto.randomUUID()`, which draws from a buffered pool (a fresh
 * `getRandomValues` per id costs tens of microseconds).
 */
export function newRunId(now = Date.now()): string {
  const random = crypto.randomUUID();
  const time = now.toString(16).padStart(12, "0");
  return `${time.slice(0, 8)}-${time.slice(8)}-7${random.slice(15)}`;
}
