/** The README's examples, run against a real server started the way `npm start` starts it. */
import { execFile, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKiln } from "./helpers/kiln-process.ts";
import { hasService } from "./helpers/services.ts";

const run = promisify(execFile);
const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const blocks = [...readme.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1]!, body: m[2]!.trim() }));
const examples = blocks.flatMap((b, i) => {
  const next = blocks[i + 1];
  return b.lang === "sh" && b.body.startsWith("curl") && next?.lang === "json" ? [{ command: b.body, expected: next.body }] : [];
});

// The examples are shell commands that call curl, run as a reader would run them.
const withCurl = hasService("curl", "curl", "the README examples");
let server: ChildProcess;
let base = "";
let token = "";
const dataDir = mkdtempSync(join(tmpdir(), "kiln-readme-"));
beforeAll(async () => {
  if (!withCurl) return;
  const kiln = await startKiln({ KILN_DB_PATH: join(dataDir, "kiln.sqlite"), KILN_SPARE_WORKERS: "0" });
  server = kiln.child;
  base = kiln.base.replace("http://", "");
  token = kiln.token;
});
afterAll(() => {
  server?.kill("SIGTERM");
  rmSync(dataDir, { recursive: true, force: true });
});

/** Compares a response with the README's, letting timing, memory size and timestamps vary. */
function normalise(value: any): any {
  if (typeof value?.createdAt === "string") value.createdAt = "any";
  // Every run's id is new (a UUID): the README shows it as "…".
  if (typeof value?.runId === "string") value.runId = "any";
  if (value?.usage) {
    expect(value.usage.wallMs).toEqual(expect.any(Number));
    value.usage.wallMs = "any";
    value.usage.memoryBytes = typeof value.usage.memoryBytes;
    // Whether a run found a warm instance depends on what ran before it on that worker.
    if ("start" in value.usage) expect(["fresh", "warm", "restored"]).toContain(value.usage.start);
    delete value.usage.start;
  }
  return value;
}

describe.skipIf(!withCurl)("README examples", () => {
  it("has examples to run", () => {
    expect(examples.length).toBeGreaterThanOrEqual(6);
  });
  for (const { command, expected } of examples) {
    it(command.split("\n")[1]?.trim().slice(0, 90) ?? command, async () => {
      const { stdout } = await run("sh", ["-c", command.replaceAll("localhost:8080", base)], { env: { ...process.env, KILN_TOKEN: token } });
      expect(normalise(JSON.parse(stdout))).toEqual(normalise(JSON.parse(expected)));
    });
  }
});
