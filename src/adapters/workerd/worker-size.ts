/**
 * The Worker's size: its modules' bytes as Cloudflare's current limit counts them (uncompressed), and
 * compressed as the former limit did (wrangler reports the gzip size of the upload; this sums each
 * module gzipped at the default level).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

/**
 * Cloudflare's documented Worker size limit: 64 MiB uncompressed on every plan
 * (developers.cloudflare.com/workers/platform/limits, "Worker size", since cloudflare-docs#31002,
 * 2026). It replaced 10 MB compressed on the Paid plan (3 MB on Free), which size.json still reports.
 */
export const WORKER_SIZE_LIMIT = 64 * 1024 * 1024;
/** The former Paid-plan limit, compressed, for comparison. */
export const FORMER_COMPRESSED_LIMIT = 10_000_000;

/** Raw and compressed bytes of `files` in `dir`, with each file's own. */
export function workerSize(dir: string, files: string[]): { raw: number; gzip: number; files: { name: string; raw: number; gzip: number }[] } {
  const each = files.map((name) => {
    const bytes = readFileSync(join(dir, name));
    return { name, raw: bytes.length, gzip: gzipSync(bytes).length };
  });
  return { raw: each.reduce((n, f) => n + f.raw, 0), gzip: each.reduce((n, f) => n + f.gzip, 0), files: each };
}
