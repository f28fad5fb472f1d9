import type { Config } from "../config.ts";
import { RequestError } from "../errors.ts";
import { REQUESTED_GRANTS } from "../capabilities/grants.ts";
import type { RequestedLimits } from "../limits/run-limits.ts";
import { utf8Length } from "../limits/output.ts";
import { isSafeFileName, MAX_ARG_BYTES, MAX_ARGS, MAX_FILES, MAX_FILES_BYTES, MAX_STDIN_BYTES } from "../limits/run-inputs.ts";
import type { ScriptSpec } from "../platform/platform-store.ts";
import type { CodeRun, ComponentRun } from "../platform/runs.ts";
import { tooLarge, z } from "./validation.ts";

/*
 * The bodies of `POST /v1/run` and `PUT /v1/scripts/{name}`, as schemas. What depends on the server's
 * configuration (the code and input caps) is checked after the schema, by `toCodeRun`/`toScriptSpec`.
 * A field over a size or count cap is a 413 `payload_too_large` naming it; anything else wrong, a 400
 * `invalid_request` naming it.
 */

const positive = z.int({ error: "must be a positive integer" }).min(1, { error: "must be a positive integer" }).nullish();

export const LIMITS = z
  .strictObject({ fuel: positive, memoryMb: positive, timeoutMs: positive })
  .meta({ description: "Each a positive integer; a value above the server's maximum is lowered to it." })
  .nullish();

/** UTF-8 bytes of `text`, ASCII (the common case) found by the regex engine's scan rather than counted in JavaScript. */
const NON_ASCII = /[^\u0000-\u007f]/;
const utf8Size = (text: string) => (NON_ASCII.test(text) ? utf8Length(text) : text.length);

/** Whether `text` is over `max` UTF-8 bytes: at least 1 and at most 3 bytes per UTF-16 unit, so most strings are not counted. */
const overBytes = (text: string, max: number) => text.length > max || (text.length * 3 > max && utf8Size(text) > max);

const bytesAtMost = (max: number) => (text: string, ctx: z.RefinementCtx) => {
  if (overBytes(text, max)) tooLarge(ctx, `larger than ${max} bytes`);
};

export const FILE_NAME = /^[A-Za-z0-9._/-]+$/;

const FILES = z
  .array(
    z.strictObject({
      name: z
        .string()
        .regex(FILE_NAME, { error: "must be a relative path of A-Z a-z 0-9 . _ - segments separated by /" })
        .refine(isSafeFileName, { error: "must be a relative path: no leading /, no empty, . or .. segment" })
        .meta({ example: "lib/util.py" }),
      content: z.string(),
    }),
  )
  .max(MAX_FILES, { error: `at most ${MAX_FILES} files` })
  .superRefine((files, ctx) => {
    const seen = new Set<string>();
    files.forEach((file, i) => {
      if (seen.has(file.name)) ctx.addIssue({ code: "custom", message: `duplicate file name '${file.name}'`, path: [i, "name"] });
      seen.add(file.name);
    });
  })
  .meta({ description: `Files the code imports, read-only, by relative path. At most ${MAX_FILES}; their contents and the code together at most ${MAX_FILES_BYTES} bytes.` });

/** What a run and a deploy share. */
const SCRIPT_FIELDS = {
  language: z
    .string()
    .min(1, { error: "must be a non-empty string" })
    .refine((l) => l.toLowerCase() !== "component", { error: 'a component runs by id: POST /v1/run {"component": id}, after POST /v1/components' })
    .meta({ description: "A language name or alias, case-insensitive (GET /v1/languages lists them).", example: "javascript" }),
  code: z.string().meta({ description: "The source, at most KILN_MAX_CODE_BYTES." }),
  limits: LIMITS,
  grants: REQUESTED_GRANTS,
  type: z.enum(["module", "script"]).optional().meta({ description: "JavaScript and TypeScript only: evaluate as an ES module or a classic script." }),
  stdin: z
    .string()
    .superRefine(bytesAtMost(MAX_STDIN_BYTES))
    .optional()
    .meta({ description: `The text on standard input, at most ${MAX_STDIN_BYTES} bytes; without it, reads see end of file.` }),
  args: z
    .array(z.string().superRefine(bytesAtMost(MAX_ARG_BYTES)))
    .max(MAX_ARGS, { error: `at most ${MAX_ARGS} arguments` })
    .optional()
    .meta({ description: `The arguments after the script's name: at most ${MAX_ARGS}, each at most ${MAX_ARG_BYTES} bytes.` }),
  files: FILES.optional(),
  record: z.boolean().optional().meta({ description: "Record the run (a deploy: each invocation) for replay with POST /v1/runs/{id}/replay." }),
};

/** The files and the code together within `MAX_FILES_BYTES`. */
function filesWithinCap(body: { code: string; files?: { content: string }[] }, ctx: z.RefinementCtx): void {
  if (!body.files?.length) return;
  let units = body.code.length;
  for (const file of body.files) units += file.content.length;
  if (units * 3 <= MAX_FILES_BYTES) return;
  let total = utf8Size(body.code);
  for (const file of body.files) total += utf8Size(file.content);
  if (total > MAX_FILES_BYTES) tooLarge(ctx, `the files and the code together are larger than ${MAX_FILES_BYTES} bytes`, ["files"]);
}

const INPUT = z.unknown().optional().meta({ description: "Any JSON value (default null), at most KILN_MAX_INPUT_BYTES once encoded." });

/** `PUT /v1/scripts/{name}`. */
export const DEPLOY_BODY = z.strictObject(SCRIPT_FIELDS).superRefine(filesWithinCap).meta({ id: "DeployRequest" });

const CODE_RUN_BODY = z
  .strictObject({ ...SCRIPT_FIELDS, input: INPUT })
  .superRefine(filesWithinCap)
  .meta({ id: "CodeRunRequest", example: { language: "javascript", code: "export default (input) => ({ hello: input.name })", input: { name: "Kiln" } } });

const COMPONENT_RUN_BODY = z
  .strictObject({
    component: z.string().regex(/^[0-9a-f]{64}$/, { error: "must be the id (64 hex digits) POST /v1/components returned" }),
    language: z.literal("component").optional(),
    input: INPUT,
    limits: LIMITS,
    grants: REQUESTED_GRANTS,
    stdin: SCRIPT_FIELDS.stdin,
    args: SCRIPT_FIELDS.args,
    record: SCRIPT_FIELDS.record,
  })
  .meta({ id: "ComponentRunRequest", description: "A run of a component the tenant uploaded with POST /v1/components." });

/** `POST /v1/run`: code in a language, or a stored component by id. */
export const RUN_BODY = z.union([CODE_RUN_BODY, COMPONENT_RUN_BODY]);

/** A validated run body as the platform takes it, with the configured caps checked. */
export function toRun(body: z.output<typeof RUN_BODY>, config: Config): CodeRun | ComponentRun {
  if ("component" in body) {
    const { stdin, args } = body;
    return { component: body.component, inputJson: encodeInput(body.input, config), limits: toLimits(body.limits), grants: body.grants ?? {}, ...(stdin !== undefined && { stdin }), ...(args !== undefined && { args }), ...(body.record && { record: true }) };
  }
  return { ...toScriptSpec(body, config), inputJson: encodeInput(body.input, config) };
}

/** A validated deploy body (or a code run's fields) as a `ScriptSpec`, with the code cap checked. */
export function toScriptSpec(body: z.output<typeof DEPLOY_BODY>, config: Config): ScriptSpec {
  const { language, code, limits, grants, type, stdin, args, files, record } = body;
  if (overBytes(code, config.maxCodeBytes)) throw new RequestError("payload_too_large", `code: larger than ${config.maxCodeBytes} bytes`);
  return {
    language,
    code,
    limits: toLimits(limits),
    grants: grants ?? {},
    ...(type !== undefined && { type }),
    ...(stdin !== undefined && { stdin }),
    ...(args !== undefined && { args }),
    ...(files !== undefined && { files }),
    ...(record && { record: true }),
  };
}

function toLimits(limits: z.output<typeof LIMITS>): RequestedLimits | undefined {
  if (!limits) return undefined;
  const out: RequestedLimits = {};
  for (const key of ["fuel", "memoryMb", "timeoutMs"] as const) {
    const value = limits[key];
    if (value !== undefined && value !== null) out[key] = value;
  }
  return out;
}

/** How deeply a run's input may nest: deeper than any guest's JSON parser goes (Python's stops near 1000). */
export const MAX_INPUT_DEPTH = 512;

/** Whether a parsed JSON value nests deeper than `max` arrays and objects (counted without recursion). */
function nestsDeeper(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== "object" || v === null) continue;
    if (depth >= max) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

/** JSON-encodes a run's input, within the input cap and the nesting limit. */
export function encodeInput(input: unknown, config: Config): string {
  if (nestsDeeper(input, MAX_INPUT_DEPTH)) {
    throw new RequestError("invalid_request", `input: nests deeper than ${MAX_INPUT_DEPTH} levels of arrays and objects`);
  }
  const inputJson = JSON.stringify(input ?? null);
  if (overBytes(inputJson, config.maxInputBytes)) {
    throw new RequestError("payload_too_large", `input: larger than ${config.maxInputBytes} bytes`);
  }
  return inputJson;
}
