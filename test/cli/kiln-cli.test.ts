/**
 * The `kiln` command line, run as a user runs it (`node bin/kiln.mjs …`, what `npx kiln` runs) against a
 * real server started as `npm start` starts it, with no token given: the CLI fetches the dev tokens
 * from the local dev server by itself. Each exit code is checked (0 ok, 1 guest error, 2 trap,
 * 3 request error, 4 cannot connect).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, ROOT, startKiln } from "../helpers/kiln-process.ts";

const dir = mkdtempSync(join(tmpdir(), "kiln-cli-"));
const configHome = join(dir, "config");
let server: ChildProcess;
let base = "";
beforeAll(async () => {
  const started = await startKiln({ KILN_DB_PATH: join(dir, "kiln.sqlite"), KILN_WORKERS: "1", KILN_SPARE_WORKERS: "0" });
  server = started.child;
  base = started.base;
});
afterAll(() => {
  server?.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
});

/** A file in the test's folder with `text`, by its path. */
function file(name: string, text: string): string {
  const path = join(dir, name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
}

/** The environment kiln runs in: the test server, no token, a profile folder of the test's own. */
function environment(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...process.env, KILN_URL: base, XDG_CONFIG_HOME: configHome, ...env };
  for (const key of ["KILN_TOKEN", "KILN_ADMIN_TOKEN", "KILN_PROFILE"]) if (env[key] === undefined) delete out[key];
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete out[key];
  return out;
}

/** Starts `kiln args…`. */
function start(args: string[], env: Record<string, string | undefined> = {}): ChildProcess {
  return spawn(process.execPath, ["bin/kiln.mjs", ...args], { cwd: ROOT, env: environment(env), stdio: ["pipe", "pipe", "pipe"] });
}

/** Runs `kiln args…` to its end (or `npx kiln args…` with `npx`): its exit code and output. */
function kiln(args: string[], options: { env?: Record<string, string | undefined>; stdin?: string; npx?: boolean } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = options.npx
    ? spawn("npx", ["--offline", "kiln", ...args], { cwd: ROOT, env: environment(options.env ?? {}), stdio: ["pipe", "pipe", "pipe"] })
    : start(args, options.env);
  child.stdin!.end(options.stdin ?? "");
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("kiln run", () => {
  /** The commands of this block, started at once (each is a process; the server takes their runs in turn), by what they check. */
  let runs: Record<string, Promise<Awaited<ReturnType<typeof kiln>>>>;
  beforeAll(async () => {
    mkdirSync(join(configHome, "kiln"), { recursive: true });
    writeFileSync(join(configHome, "kiln", "config.json"), JSON.stringify({ url: base, profiles: { broken: { url: base, token: "bad" } } }));
    const noUrl = { KILN_URL: undefined };
    const examples = Object.fromEntries(["js", "ts", "py", "rb", "lua"].map((ext) => [ext, kiln(["run", `examples/hello.${ext}`, "--input", '{"name":"Ada"}'])]));
    runs = {
      ...examples,
      // What a reader types: npx finds the checkout's own bin (offline: nothing is fetched).
      npx: kiln(["run", "examples/hello.js"], { npx: true }),
      json: kiln(["run", file("add.js", "export default (i) => i.a + 1"), "--input-file", file("input.json", '{"a": 41}'), "--json"]),
      stdinArgs: kiln(["run", file("echo.py", "import sys\nprint(sys.stdin.read().strip(), sys.argv[1:])"), "--stdin", "-", "--", "one", "--two"], { stdin: "from the pipe\n" }),
      files: kiln(["run", file("app/main.py", "from lib.maths import double\nprint(double(21))"), "--file", file("app/lib/maths.py", "def double(n):\n    return n * 2\n")]),
      fileOutside: kiln(["run", file("app/other.py", "print(1)"), "--file", file("elsewhere.py", "x = 1")]),
      guestError: kiln(["run", file("boom.py", "print('before')\nraise ValueError('boom')\n")]),
      trap: kiln(["run", file("loop.lua", "while true do end"), "--fuel", "20"]),
      refused: kiln(["run", file("x.cob", "DISPLAY 1"), "--language", "cobol"]),
      unknownExtension: kiln(["run", file("notes.txt", "hi")]),
      missingFile: kiln(["run", join(dir, "missing.py")]),
      badFlag: kiln(["run", "--no-such-flag", "examples/hello.py"]),
      badToken: kiln(["run", "examples/hello.js"], { env: { KILN_TOKEN: "not-a-token" } }),
      badAdminToken: kiln(["tenant", "create", "nobody"], { env: { KILN_ADMIN_TOKEN: "not-the-admin-token" } }),
      unreachable: kiln(["run", "examples/hello.js"], { env: { KILN_URL: `http://127.0.0.1:${await freePort()}` } }),
      profile: kiln(["run", "examples/hello.lua"], { env: noUrl }),
      brokenProfile: kiln(["run", "examples/hello.lua", "--profile", "broken"], { env: noUrl }),
    };
    await Promise.all(Object.values(runs));
    rmSync(join(configHome, "kiln"), { recursive: true });
  });

  it("runs every example, printing what it wrote and then its result (exit 0)", async () => {
    for (const ext of ["js", "ts", "py", "rb", "lua"]) expect(await runs[ext]).toEqual({ code: 0, stdout: 'Hello, Ada!\n{"greeted":"Ada"}\n', stderr: "" });
  });

  it("runs as `npx kiln` from the checkout", async () => {
    expect(await runs.npx).toEqual({ code: 0, stdout: 'Hello, world!\n{"greeted":"world"}\n', stderr: "" });
  });

  it("prints the response with --json, and takes the input from a file", async () => {
    const run = await runs.json!;
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: true, result: 42, stdout: "", stderr: "", logs: [] });
  });

  it("passes standard input (--stdin, - for its own) and the arguments after --", async () => {
    expect(await runs.stdinArgs).toEqual({ code: 0, stdout: "from the pipe ['one', '--two']\n", stderr: "" });
  });

  it("sends the files the script imports (--file), named by their path from its folder, and refuses one above it", async () => {
    expect(await runs.files).toEqual({ code: 0, stdout: "42\n", stderr: "" });
    expect(await runs.fileOutside).toEqual({ code: 3, stdout: "", stderr: expect.stringMatching(/^kiln: --file .*elsewhere\.py: must be in .*other\.py's folder or below it/) });
  });

  it("exits 1 when the guest fails, saying where", async () => {
    const run = await runs.guestError!;
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("before\n");
    expect(run.stderr).toMatch(/^kiln: guest_error at line 2, column \d+: Traceback[\s\S]*ValueError: boom/);
  });

  it("exits 2 when the run is stopped (fuel, memory, deadline, output)", async () => {
    expect(await runs.trap).toEqual({ code: 2, stdout: "", stderr: expect.stringMatching(/^kiln: fuel_exhausted: /) });
  });

  it("exits 3 when the server refuses the request, or the command line is wrong", async () => {
    expect(await runs.refused).toEqual({ code: 3, stdout: "", stderr: expect.stringMatching(/^kiln: unsupported_language \(HTTP 400\): Language 'cobol' is not supported here/) });
    expect(await runs.unknownExtension).toEqual({ code: 3, stdout: "", stderr: expect.stringContaining("Cannot tell the language of") });
    expect(await runs.missingFile).toEqual({ code: 3, stdout: "", stderr: expect.stringMatching(/^kiln: Cannot read .*missing\.py: ENOENT/) });
    expect(await runs.badFlag).toEqual({ code: 3, stdout: "", stderr: expect.stringContaining("error: unknown option '--no-such-flag'") });
  });

  it("exits 3 on a token the server refuses, saying how to get one", async () => {
    const run = await runs.badToken!;
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("kiln: unauthorized: The token is not valid.");
    expect(run.stderr).toContain("Set KILN_TOKEN to a tenant token: `kiln tenant create NAME`");
  });

  it("exits 3 on an admin token the server refuses, naming KILN_ADMIN_TOKEN", async () => {
    const run = await runs.badAdminToken!;
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("This command needs the server's admin token: set KILN_ADMIN_TOKEN");
  });

  it("exits 4 when nothing answers at the URL", async () => {
    expect(await runs.unreachable).toEqual({ code: 4, stdout: "", stderr: expect.stringMatching(/^kiln: Cannot reach Kiln at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/) });
  });

  it("reads the server and token from the profile file, by profile", async () => {
    expect(await runs.profile).toEqual({ code: 0, stdout: 'Hello, world!\n{"greeted":"world"}\n', stderr: "" });
    expect((await runs.brokenProfile!).code).toBe(3);
  });
});

describe("kiln deploy, invoke, versions, rollback, logs", () => {
  it("deploys versions, invokes the live one, lists them and rolls back", async () => {
    const [v1, broken] = await Promise.all([kiln(["deploy", "greet", "examples/hello.py"]), kiln(["deploy", "broken", file("broken.js", "export default (")])]);
    expect(v1).toEqual({ code: 0, stdout: "Deployed greet version 1 (python); it is live\n", stderr: "" });
    expect(broken).toEqual({ code: 3, stdout: "", stderr: expect.stringMatching(/^kiln: invalid_script \(HTTP 400\): /) });
    expect((await kiln(["deploy", "greet", file("greet.lua", 'function main() return "v2" end\n')])).stdout).toBe("Deployed greet version 2 (lua); it is live\n");
    const [invoked, versions] = await Promise.all([kiln(["invoke", "greet", "--input", '{"name":"Bo"}']), kiln(["versions", "greet"])]);
    expect(invoked).toEqual({ code: 0, stdout: '"v2"\n', stderr: "" });
    expect(versions.stdout).toMatch(/^ {2}1\tpython\t\S+\n\* 2\tlua\t\S+\n$/);
    expect(await kiln(["rollback", "greet", "1"])).toEqual({ code: 0, stdout: "greet: version 1 is live\n", stderr: "" });
    const [again, missing] = await Promise.all([kiln(["invoke", "greet", "--input", '{"name":"Bo"}']), kiln(["rollback", "greet", "9"])]);
    expect(again).toEqual({ code: 0, stdout: 'Hello, Bo!\n{"greeted":"Bo"}\n', stderr: "" });
    expect(missing).toEqual({ code: 3, stdout: "", stderr: "kiln: not_found (HTTP 404): No version 9 of 'greet'\n" });
  });

  it("follows the log stream of one script", async () => {
    await kiln(["deploy", "noisy", file("noisy.js", "import { log } from 'kiln';\nexport default () => { log.write('warn', 'careful'); console.log('said') }")]);
    const follower = start(["logs", "--script", "noisy", "--follow"]);
    let stdout = "";
    let stderr = "";
    follower.stdout!.on("data", (d) => (stdout += d));
    follower.stderr!.on("data", (d) => (stderr += d));
    /** Resolves once the text read so far from `stream` matches `pattern`. */
    const seen = (stream: NodeJS.ReadableStream, text: () => string, pattern: RegExp) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (!pattern.test(text())) return;
          stream.off("data", check);
          resolve();
        };
        stream.on("data", check);
        check();
      });
    await seen(follower.stderr!, () => stderr, /Following the log stream of noisy/);
    expect((await kiln(["invoke", "noisy"])).code).toBe(0);
    await seen(follower.stdout!, () => stdout, /ended ok\n/);
    follower.kill("SIGINT");
    expect(stdout).toMatch(/^\S+Z noisy@1 log warn: careful\n\S+Z noisy@1 stdout: said\n\S+Z noisy@1 ended ok\n$/);
  });
});

describe("kiln run, streamed", () => {
  it("prints output as the run writes it, before the run ends, then the result", async () => {
    const path = file("spin.js", 'export default () => { console.log("first"); const end = Date.now() + 1500; while (Date.now() < end); return "done" }');
    const child = start(["run", path, "--timeout-ms", "30000"]);
    child.stdin!.end();
    let stdout = "";
    let firstAt = 0;
    child.stdout!.on("data", (d) => {
      stdout += d;
      if (!firstAt && stdout.includes("first\n")) firstAt = performance.now();
    });
    const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
    // The guest computed for 1.5 s after printing: streamed, the line showed well before kiln exited.
    expect(performance.now() - firstAt).toBeGreaterThan(750);
    expect({ code, stdout }).toEqual({ code: 0, stdout: 'first\n"done"\n' });
  }, 120_000);
});

describe("kiln tenant create, kiln token", () => {
  it("create a tenant and issue it tokens with the admin token, and the token works", async () => {
    const created = await kiln(["tenant", "create", "acme", "--http-allow", "api.acme.com", "--scopes", "run", "--runs-per-minute", "100"]);
    expect(created.code).toBe(0);
    const { tenant, token } = JSON.parse(created.stdout);
    expect(tenant).toMatchObject({ name: "acme", grants: { http: { allow: ["api.acme.com"] } }, scopes: ["run"], quotas: { runsPerMinute: 100 } });
    const [issued, conflict] = await Promise.all([kiln(["token", "acme", "--scopes", "run"]), kiln(["tenant", "create", "acme"])]);
    expect(issued.code).toBe(0);
    expect(JSON.parse(issued.stdout)).toEqual({ token: expect.any(String), scopes: ["run"], expiresAt: expect.any(String) });
    expect(conflict).toEqual({ code: 3, stdout: "", stderr: "kiln: conflict (HTTP 409): A tenant named 'acme' exists\n" });
    const runs = await Promise.all([token, JSON.parse(issued.stdout).token].map((t) => kiln(["run", "examples/hello.js"], { env: { KILN_TOKEN: t } })));
    expect(runs.map((r) => r.code)).toEqual([0, 0]);
  });
});
