import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";

export const ROOT = new URL("../../", import.meta.url).pathname;

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts Kiln on Node the way `npm start` does, on a free loopback port, and resolves once it
 * listens, with its base URL and (in dev mode) the dev tenant token from its JSON log.
 */
export function startKiln(env: Record<string, string>): Promise<{ base: string; token: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/adapters/node/main.ts"], {
    cwd: ROOT,
    env: { ...process.env, PORT: "0", KILN_HOST: "127.0.0.1", ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  // A test that times out before the server listens never gets its child to kill: the server goes with the test process.
  const orphan = () => child.kill("SIGKILL");
  process.once("exit", orphan);
  child.once("exit", () => process.off("exit", orphan));
  return new Promise((resolve, reject) => {
    let out = "";
    const read = (d: Buffer) => {
      out += d;
      const port = /"url":"http:\/\/[^:]+:(\d+)"/.exec(out)?.[1];
      if (!port) return;
      resolve({ base: `http://127.0.0.1:${port}`, token: /"tenantToken":"([^"]+)"/.exec(out)?.[1] ?? "", child });
      // Its request log from here on is drained unread: kept and searched, it grew without bound and cost
      // this process more CPU with every line (a benchmark's loaded server logs thousands a second).
      child.stdout!.off("data", read);
      child.stdout!.resume();
    };
    child.stdout!.on("data", read);
    child.once("exit", (code) => reject(new Error(`kiln exited (${code}): ${out}`)));
  });
}
