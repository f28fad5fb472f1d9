import type { RunJob } from "../engine/engine.ts";

/** Characters of recent code whose keys are kept (the texts are the map's keys), oldest out first. */
const MAX_CACHED_CHARS = 4 << 20;

const cached = new Map<string, string>();
let cachedChars = 0;

/**
 * Names ad-hoc code for quarantine: a hash of its language, code (its files too) and component. The
 * SHA-256 is computed once per distinct text and kept (bounded by MAX_CACHED_CHARS): the same code sent
 * again costs a map lookup, not a digest on every request.
 */
export async function adHocCodeKey(job: RunJob): Promise<string> {
  const files = job.files?.map((f) => [f.name, f.content]) ?? [];
  const text = JSON.stringify([job.language, job.code, job.component?.id ?? null, ...(files.length ? [files] : [])]);
  const known = cached.get(text);
  if (known !== undefined) return known;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  const key = [...digest.subarray(0, 16)].map((b) => b.toString(16).padStart(2, "0")).join("");
  if (text.length <= MAX_CACHED_CHARS / 16 && !cached.has(text)) {
    cached.set(text, key);
    cachedChars += text.length;
    for (const [oldest] of cached) {
      if (cachedChars <= MAX_CACHED_CHARS) break;
      cached.delete(oldest);
      cachedChars -= oldest.length;
    }
  }
  return key;
}
