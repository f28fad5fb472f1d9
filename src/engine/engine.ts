import type { GuestError } from "../errors.ts";
import type { RunGrants } from "../capabilities/grants.ts";
import type { HostLimits } from "../capabilities/capability-limits.ts";
import type { LogEntry } from "../capabilities/log.ts";
import type { Divergence, Tape } from "../capabilities/host-tape.ts";
import type { RunLimits } from "../limits/run-limits.ts";
import type { RunFile } from "../limits/run-inputs.ts";

/** How a JavaScript or TypeScript source is evaluated: as an ES module, or as a classic script. */
export type SourceType = "module" | "script";

/** One run: code in a canonical language, its JSON input, and effective limits. */
export interface RunJob {
  /** Canonical language name (aliases are resolved before a job reaches an engine). */
  language: string;
  code: string;
  /** The input as JSON text; the guest receives it parsed. */
  inputJson: string;
  limits: RunLimits;
  /**
   * What the run may reach through the WIT host interfaces, and the caps on those calls. `deployCheck`
   * refuses every host call but `log.write` (a deploy-time check must have no effect).
   */
  host: { grants: RunGrants; limits: HostLimits; deployCheck?: boolean };
  /** Run a caller's own component (language `component`) instead of `code`: its id and bytes. */
  component?: { id: string; bytes: Uint8Array };
  /** Only evaluate the top level (a deploy-time check): no entry point is called; the result is null. */
  evaluateOnly?: boolean;
  /**
   * Run the code as a program, top to bottom, as `<interpreter> script` would: an entry point it
   * defines (`main`, a default export) is not called by Kiln, so a program that calls its own `main`
   * runs it once (the Piston and Judge0 routes). The result is null.
   */
  asProgram?: boolean;
  /** Module or script, as the caller said (only for a language whose `sourceTypes` has it); absent: the engine tells from the code. */
  sourceType?: SourceType;
  /** Who the run is for (the tenant): an engine that queues runs serves owners in turns. */
  owner?: string;
  /** The text on standard input; absent: reads see end of file. */
  stdin?: string;
  /** The arguments after the script's name. */
  args?: string[];
  /** Files the code imports, read-only, by relative path (names checked by `isSafeFileName`). */
  files?: RunFile[];
  /** Keep the run's tape (seeds, clock readings, host answers: src/capabilities/host-tape.ts), handed back as `recording`. */
  record?: true;
  /** Answer seeds, clock readings and host calls from this tape instead of live sources (a replay). */
  replay?: Tape;
}

/** What a run consumed. `null` where the count was lost (a worker killed by the watchdog). */
export interface Usage {
  fuel: number | null;
  memoryBytes: number | null;
  wallMs: number;
  /**
   * How the sandbox started: `fresh` (a new context or instance; the top level ran), `warm` (a kept
   * instance reset to a snapshot: a pool hit), `restored` (a snapshot written into a new instance: a pool
   * miss). Absent where it is not known (a worker killed by the watchdog).
   */
  start?: "fresh" | "warm" | "restored";
}

interface Captured {
  stdout: string;
  stderr: string;
  /** The run's `log` stream, kept apart from stdout and stderr. */
  logs: LogEntry[];
  usage: Usage;
}

/** A run's result. A guest failure is data, never an exception. */
export type RunOutcome = ({ ok: true; result: unknown } | { ok: false; error: GuestError }) & Captured & {
  /** The run's tape, for a job that asked to `record` or `replay`; `diverged`: where a replay left its tape. */
  recording?: Tape;
  diverged?: Divergence;
};

/** A language as `GET /v1/languages` lists it. */
/** What a language folder says about its language, as `GET /v1/languages` lists it. */
export interface LanguageDescription {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly version: string;
  readonly libraries?: readonly LanguageLibrary[];
  /** A handler answering `"hi " + input.name` (its fixtures' `greet` case): the example a reader sees first. */
  readonly example: string;
  /** How an editor highlights its code (the playground's highlighters are by syntax, never by language). */
  readonly syntax?: EditorSyntax;
}

/** The syntaxes an editor can highlight; a language names the one its code reads as. */
export const EDITOR_SYNTAXES = ["javascript", "typescript", "python", "lua", "ruby", "yaml"] as const;
export type EditorSyntax = (typeof EDITOR_SYNTAXES)[number];

/** A library a language's guests may import or require by name, with its pinned version. */
export interface LanguageLibrary {
  readonly name: string;
  readonly version: string;
}

export interface LanguageInfo {
  name: string;
  version: string;
  aliases: readonly string[];
  /** The libraries its guests may import (`GET /v1/languages` lists them). */
  libraries?: readonly LanguageLibrary[];
  /** A small handler in the language, answering `"hi " + input.name`: the API reference's and a playground's example. */
  example?: string;
  /** How an editor highlights its code. */
  syntax?: EditorSyntax;
  engine: string;
  /** The smallest memory cap the language starts under (runs asking for less get this much). */
  minMemoryMb?: number;
  /** The values a request's `type` may take for this language (JavaScript and TypeScript: module or script). */
  sourceTypes?: readonly SourceType[];
}

/**
 * A piece of a run's output as it happens: a chunk of stdout or stderr (only what the output cap kept:
 * the chunks of a stream join to its text in the outcome), or an entry of the `log` stream.
 */
export type OutputEvent = { stream: "stdout" | "stderr"; text: string } | ({ stream: "log" } & LogEntry);

export interface RunOptions {
  /**
   * Called with each piece of output while the run goes, in order (streamed responses). Called from
   * inside the guest's writes: it must return at once and never throw.
   */
  onOutput?: (event: OutputEvent) => void;
  /** Called with the fuel used so far each time the engine polls its meter. */
  onFuel?: (used: number) => void;
  /**
   * Called when Kiln's own setup (starting or restoring an instance) is done and the guest's code is
   * about to run: the run's deadline counts from here (a watchdog outside the engine waits for it).
   */
  onGuestStart?: () => void;
}

/**
 * A way of running guest code. One implementation per engine (QuickJS, component);
 * adapters may wrap an engine (the Node worker pool) behind the same interface.
 * `run` resolves with an outcome for anything the guest did; it rejects only on host bugs.
 */
export interface Engine extends Disposable {
  readonly name: string;
  readonly languages: readonly LanguageInfo[];
  run(job: RunJob, options?: RunOptions): Promise<RunOutcome>;
  dispose(): void;
}
