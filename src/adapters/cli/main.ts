/**
 * `kiln`: Kiln's command line, a client of its HTTP API (bin/kiln.mjs runs this file through tsx).
 * `kiln --help` lists the commands; the exit codes are in exit-code.ts.
 */
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, relative, sep } from "node:path";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { KilnError, type InvokeResult, type RequestedLimits, type RunResult, type RunStreamEvent, type TenantScope, type TokenRequest } from "../../client/kiln-client.ts";
import { Connection, profilePath, UsageError, type ConnectionFlags } from "./connection.ts";
import { EXIT, runExitCode } from "./exit-code.ts";
import { printRun, printStreamEvent, type Output } from "./print-run.ts";
import { sourceLanguage } from "./source-language.ts";

const out: Output = { stdout: (t) => void process.stdout.write(t), stderr: (t) => void process.stderr.write(t) };
const version = (JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string }).version;

/** A file's text; "-" is this process's standard input. */
function readText(file: string): string {
  try {
    return readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (e) {
    throw new UsageError(`Cannot read ${file === "-" ? "standard input" : file}: ${(e as Error).message}`);
  }
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${what} is not JSON: ${(e as Error).message}`);
  }
}

const positiveInteger = (value: string) => {
  if (!/^[1-9]\d*$/.test(value)) throw new InvalidArgumentError("must be a positive integer");
  return Number(value);
};
const list = (value: string) => value.split(",").map((s) => s.trim()).filter(Boolean);

interface InputOptions {
  input?: string;
  inputFile?: string;
}
interface LimitOptions {
  fuel?: number;
  memoryMb?: number;
  timeoutMs?: number;
}

/** The run's input from `--input` or `--input-file`; undefined when neither is given. */
function input(opts: InputOptions): { input?: unknown } {
  if (opts.input !== undefined && opts.inputFile !== undefined) throw new UsageError("Give --input or --input-file, not both");
  if (opts.input !== undefined) return { input: parseJson(opts.input, "--input") };
  if (opts.inputFile !== undefined) return { input: parseJson(readText(opts.inputFile), opts.inputFile) };
  return {};
}

function limits(opts: LimitOptions): { limits?: RequestedLimits } {
  const { fuel, memoryMb, timeoutMs } = opts;
  const picked = { ...(fuel && { fuel }), ...(memoryMb && { memoryMb }), ...(timeoutMs && { timeoutMs }) };
  return Object.keys(picked).length ? { limits: picked } : {};
}

/**
 * The main file's language and code, and the other files it imports (`--file`, repeatable), each named
 * by its path from the main file's folder, as the script imports it (`lib/util.py`).
 */
function scriptSource(file: string, language: string | undefined, extra: readonly string[] = []): { language: string; code: string; files?: { name: string; content: string }[] } {
  const resolved = language ?? sourceLanguage(file);
  if (!resolved) throw new UsageError(`Cannot tell the language of ${file} from its extension: pass --language (kiln languages lists them)`);
  const files = extra.map((path) => {
    const name = relative(dirname(file), path).split(sep).join("/");
    if (name === "" || isAbsolute(name) || name === ".." || name.startsWith("../")) throw new UsageError(`--file ${path}: must be in ${file}'s folder or below it (it is named by its path from there)`);
    return { name, content: readText(path) };
  });
  return { language: resolved, code: readText(file), ...(files.length > 0 && { files }) };
}

const repeated = (value: string, previous: string[] = []) => [...previous, value];
const withFiles = (c: Command) => c.option("--file <path>", "another file the script imports, named by its path from the main file's folder (repeatable)", repeated);

const withInput = (c: Command) =>
  c.option("-i, --input <json>", "the run's input, a JSON value").option("--input-file <file>", "read the input (JSON) from a file, - for standard input");
const withLimits = (c: Command) =>
  c
    .option("--fuel <units>", "fuel for the run", positiveInteger)
    .option("--memory-mb <mib>", "memory cap for the run", positiveInteger)
    .option("--timeout-ms <ms>", "deadline for the run", positiveInteger);
const withJson = (c: Command) => c.option("--json", "print the server's response as JSON");

const program = new Command("kiln")
  .description("Runs code in Kiln's sandboxes, and deploys and manages scripts, through Kiln's HTTP API.")
  .version(version)
  .option("--url <url>", "the server (default: KILN_URL, the profile's url, or http://127.0.0.1:8080)")
  .option("--token <token>", "a tenant token (default: KILN_TOKEN, the profile's token, or a local dev server's)")
  .option("--profile <name>", "a profile under \"profiles\" in the profile file (default: KILN_PROFILE, or its top level)")
  .exitOverride()
  .showSuggestionAfterError()
  .addHelpText(
    "after",
    `
The server and tokens come from the flags, else KILN_URL, KILN_TOKEN and KILN_ADMIN_TOKEN, else the
profile file ${profilePath(process.env)} ({"url", "token", "adminToken", "profiles": {name: {…}}}).
Against a dev-mode server on this machine (npm start), kiln fetches the dev tokens by itself.

Exit codes: 0 ok; 1 the guest failed (guest_error, syntax_error); 2 the run was stopped (fuel, memory,
timeout, output); 3 the request was refused (a 4xx or 5xx, or a bad command line); 4 Kiln cannot be reached.`,
  );

let current: Connection | undefined;
/** The connection the command line and the environment name (one per command). */
const connection = () => (current ??= new Connection(program.opts<ConnectionFlags>(), process.env));

withJson(
  withLimits(
    withInput(
      withFiles(
        program
          .command("run")
          .description("run a file once; its language comes from the extension or --language")
          .argument("<file>", "the source file")
          .argument("[args...]", "arguments for the script (after --)"),
      ),
    ),
  )
    .option("-l, --language <language>", "the language (default: from the file's extension)")
    .option("--stdin <file>", "text for the script's standard input, - for this process's"),
).action(async (file: string, args: string[], opts: InputOptions & LimitOptions & { language?: string; stdin?: string; file?: string[]; json?: boolean }) => {
  const request = {
    ...scriptSource(file, opts.language, opts.file),
    ...input(opts),
    ...limits(opts),
    ...(opts.stdin !== undefined && { stdin: readText(opts.stdin) }),
    ...(args.length > 0 && { args }),
  };
  const client = await connection().tenant();
  if (opts.json) return finishRun(await client.run(request), true);
  finishRun(await printStreamed(client.runStream(request)), false, true);
});

withJson(
  withFiles(
    withLimits(
      program
        .command("deploy")
        .description("deploy a file as a new version of a script, and make it live")
        .argument("<name>", "the script's name")
        .argument("<file>", "the source file"),
    ),
  ).option("-l, --language <language>", "the language (default: from the file's extension)"),
).action(async (name: string, file: string, opts: LimitOptions & { language?: string; file?: string[]; json?: boolean }) => {
  const version = await (await connection().tenant()).scripts.deploy(name, { ...scriptSource(file, opts.language, opts.file), ...limits(opts) });
  out.stdout(opts.json ? `${JSON.stringify(version)}\n` : `Deployed ${version.name} version ${version.version} (${version.language}); it is live\n`);
});

withJson(withInput(program.command("invoke").description("run the live version of a deployed script").argument("<name>", "the script's name"))).action(
  async (name: string, opts: InputOptions & { json?: boolean }) => {
    const client = await connection().tenant();
    if (opts.json) return finishRun(await client.scripts.invoke(name, input(opts).input), true);
    finishRun(await printStreamed(client.scripts.invokeStream(name, input(opts).input)), false, true);
  },
);

withJson(
  program
    .command("replay")
    .description("run a recorded run again (made with record: true), its host calls answered from the recording, and compare")
    .argument("<run-id>", "the recorded run's runId")
    .option("--code <file>", "an ad-hoc run: replay this file's code instead of the recorded one"),
).action(async (runId: string, opts: { code?: string; json?: boolean }) => {
  const run = await (await connection().tenant()).replay(runId, opts.code === undefined ? {} : { code: readText(opts.code) });
  finishRun(run, opts.json);
  if (opts.json) return;
  const { replay } = run;
  const differs = replay.differences.map((d) => d.field).join(", ");
  out.stderr(`Replay of ${replay.of}: ${replay.identical ? "identical" : `differs${differs ? ` in ${differs}` : ""}`}\n`);
  if (replay.diverged) out.stderr(`Diverged at host call ${replay.diverged.at}: recorded ${replay.diverged.expected ?? "nothing"}, replay asked ${replay.diverged.actual ?? "nothing"}\n`);
  for (const warning of replay.warnings) out.stderr(`warning: ${warning}\n`);
});

withJson(program.command("versions").description("list a script's versions (* marks the live one)").argument("<name>", "the script's name")).action(
  async (name: string, opts: { json?: boolean }) => {
    const versions = await (await connection().tenant()).scripts.versions(name);
    if (opts.json) return out.stdout(`${JSON.stringify(versions)}\n`);
    for (const v of versions.versions) out.stdout(`${v.version === versions.active ? "*" : " "} ${v.version}\t${v.language}\t${v.createdAt}\n`);
  },
);

withJson(
  program
    .command("rollback")
    .description("make an earlier version of a script live again")
    .argument("<name>", "the script's name")
    .argument("<version>", "the version to make live", positiveInteger),
).action(async (name: string, version: number, opts: { json?: boolean }) => {
  const live = await (await connection().tenant()).scripts.rollback(name, version);
  out.stdout(opts.json ? `${JSON.stringify(live)}\n` : `${live.name}: version ${live.version} is live\n`);
});

withJson(
  program
    .command("logs")
    .description("follow the tenant's live log stream (log.write entries and each run's output) until interrupted")
    .option("-s, --script <name>", "only this script's events")
    .option("-f, --follow", "follow the stream (the stream is live, so this is what logs does)"),
).action(async (opts: { script?: string; json?: boolean }) => {
  const client = await connection().tenant();
  for await (const { event, data } of client.logs.follow({ ...(opts.script !== undefined && { script: opts.script }) })) {
    if (event === "ready") {
      out.stderr(`Following the log stream${opts.script === undefined ? "" : ` of ${opts.script}`} (Ctrl-C stops)\n`);
      continue;
    }
    if (opts.json) {
      out.stdout(`${JSON.stringify(data)}\n`);
      continue;
    }
    const who = data.script === null ? "run" : `${data.script}@${data.version}`;
    const what =
      data.stream === "run"
        ? `ended ${data.outcome}${data.message === undefined ? "" : `: ${data.message}`}`
        : `${data.stream === "log" ? `log ${data.level ?? "info"}` : data.stream}: ${data.message.replace(/\n$/, "")}`;
    out.stdout(`${data.at} ${who} ${what}\n`);
  }
});

withJson(program.command("languages").description("list the languages the server runs")).action(async (opts: { json?: boolean }) => {
  const languages = await (await connection().tenant()).languages();
  if (opts.json) return out.stdout(`${JSON.stringify(languages)}\n`);
  for (const l of languages) out.stdout(`${l.name}\t${l.version}\t${l.aliases.join(", ")}\n`);
});

const tenantOptions = (c: Command) =>
  c
    .addOption(new Option("--scopes <scopes>", "the token's scopes, comma-separated: run, deploy, logs (default: all)").argParser(list))
    .option("--ttl-seconds <seconds>", "the token's lifetime", positiveInteger);
const tenantRequest = (opts: { scopes?: string[]; ttlSeconds?: number }): TokenRequest => ({
  ...(opts.scopes && { scopes: opts.scopes as TenantScope[] }),
  ...(opts.ttlSeconds && { ttlSeconds: opts.ttlSeconds }),
});

const tenant = program.command("tenant").description("manage tenants (with the admin token: KILN_ADMIN_TOKEN, the profile's adminToken, or a local dev server's)");
tenantOptions(
  tenant
    .command("create")
    .description("create a tenant and print {tenant, token, expiresAt}")
    .argument("<name>", "the tenant's name")
    .addOption(new Option("--http-allow <hosts>", "hosts the tenant's runs may be granted, comma-separated").argParser(list))
    .option("--kv-max-keys <n>", "live keys per kv namespace", positiveInteger)
    .option("--runs-per-minute <n>", "the tenant's own run rate limit (default: the server's)", positiveInteger),
).action(async (name: string, opts: { httpAllow?: string[]; kvMaxKeys?: number; runsPerMinute?: number; scopes?: string[]; ttlSeconds?: number }) => {
  const grants = { ...(opts.httpAllow && { http: { allow: opts.httpAllow } }), ...(opts.kvMaxKeys && { kv: { maxKeys: opts.kvMaxKeys } }) };
  const quotas = opts.runsPerMinute ? { quotas: { runsPerMinute: opts.runsPerMinute } } : {};
  const created = await (await connection().admin()).tenants.create(name, { ...tenantRequest(opts), grants, ...quotas });
  out.stdout(`${JSON.stringify(created, null, 2)}\n`);
});

tenantOptions(program.command("token").description("issue another token for a tenant and print {token, scopes, expiresAt}").argument("<tenant>", "the tenant's name or id")).action(
  async (tenant: string, opts: { scopes?: string[]; ttlSeconds?: number }) => {
    const issued = await (await connection().admin()).tenants.issueToken(tenant, tenantRequest(opts));
    out.stdout(`${JSON.stringify(issued, null, 2)}\n`);
  },
);

/** Prints a run and sets the exit code its outcome stands for. */
function finishRun(run: RunResult | InvokeResult, json = false, streamed = false): void {
  printRun(run, json, out, streamed);
  process.exitCode = runExitCode(run);
}

/** Prints a streamed run's output as it arrives; resolves to its result (the stream always ends with one, or throws). */
async function printStreamed<R>(events: AsyncGenerator<RunStreamEvent<R>, void, undefined>): Promise<R> {
  for await (const event of events) {
    if (event.event === "result") return event.data;
    printStreamEvent(event, out);
  }
  throw new KilnError(0, "connection_failed", "The stream ended before the run's result");
}

/** What to tell a user about a refused or failed request, and the exit code. */
function explain(e: UsageError | KilnError): { message: string; code: number } {
  if (e instanceof UsageError) return { message: e.message, code: EXIT.requestError };
  if (e.status === 0) return { message: `${e.message}. Is the server running (npm start), and is KILN_URL right?`, code: EXIT.unreachable };
  if (e.status === 401 && current?.usedAdmin) {
    return {
      message:
        `${e.code}: ${e.message}.\n` +
        `This command needs the server's admin token: set KILN_ADMIN_TOKEN, or put {"adminToken": "…"} in ${profilePath(process.env)}. ` +
        "A dev-mode server (npm start) on this machine hands it to kiln by itself.",
      code: EXIT.requestError,
    };
  }
  if (e.status === 401) {
    return {
      message:
        `${e.code}: ${e.message}.\n` +
        "Set KILN_TOKEN to a tenant token: `kiln tenant create NAME` (with the admin token, KILN_ADMIN_TOKEN) prints one, " +
        `or put {"token": "…"} in ${profilePath(process.env)}. A dev-mode server (npm start) on this machine hands its dev token to kiln by itself.`,
      code: EXIT.requestError,
    };
  }
  return { message: `${e.code} (HTTP ${e.status}): ${e.message}`, code: EXIT.requestError };
}

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // Commander printed the help, the version or the complaint already.
    process.exitCode = e.exitCode === 0 ? EXIT.ok : EXIT.requestError;
  } else if (e instanceof UsageError || e instanceof KilnError) {
    const { message, code } = explain(e);
    out.stderr(`kiln: ${message}\n`);
    process.exitCode = code;
  } else {
    // A bug in kiln itself: not one of the documented outcomes.
    out.stderr(`kiln: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = EXIT.internal;
  }
}
