import { spawn, type ChildProcess } from "node:child_process";
import { freePort } from "./kiln-process.ts";

/** A throwaway redis-server on a free loopback port, without persistence (retrying if the port gets taken). */
export async function startRedisServer(attempt = 0): Promise<{ url: string; stop: () => void }> {
  try {
    return await startOnce();
  } catch (e) {
    if (attempt >= 4) throw e;
    return startRedisServer(attempt + 1);
  }
}

async function startOnce(): Promise<{ url: string; stop: () => void }> {
  const port = await freePort();
  const child: ChildProcess = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      if (/Ready to accept connections/.test(out)) resolve();
    });
    child.once("exit", (code) => reject(new Error(`redis-server exited (${code}): ${out}`)));
    child.once("error", reject);
  });
  return { url: `redis://127.0.0.1:${port}`, stop: () => child.kill("SIGKILL") };
}
