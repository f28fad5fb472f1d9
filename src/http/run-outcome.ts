import { GUEST_ERROR_CODES } from "../errors.ts";
import { z } from "./validation.ts";

/** `usage` of a run: null counts and no `start` when the watchdog had to stop the sandbox. */
export const USAGE = z
  .strictObject({
    fuel: z.number().nullable(),
    memoryBytes: z.number().nullable(),
    wallMs: z.number(),
    start: z.enum(["fresh", "warm", "restored"]).optional(),
  })
  .meta({ id: "Usage" });

const CAPTURED = {
  stdout: z.string(),
  stderr: z.string(),
  logs: z.array(z.strictObject({ level: z.enum(["debug", "info", "warn", "error"]), message: z.string() })),
  usage: USAGE,
  runId: z.string().describe("The run's id: `GET /v1/runs/{id}`, and `runId` in its log events"),
};

/** A guest failure: `error.code` is one of a closed set. */
export const GUEST_ERROR = z
  .strictObject({
    code: z.enum(GUEST_ERROR_CODES),
    message: z.string(),
    stack: z.string().optional(),
    line: z.number().optional(),
    column: z.number().optional(),
  })
  .meta({ id: "GuestError" });

/** What any run answers with HTTP 200: `ok` and its result, or `ok: false` and the guest's error. */
export const RUN_OUTCOME = z
  .union([
    z.strictObject({ ok: z.literal(true), result: z.unknown(), ...CAPTURED }),
    z.strictObject({ ok: z.literal(false), error: GUEST_ERROR, ...CAPTURED }),
  ])
  .meta({
    id: "RunOutcome",
    example: {
      ok: true,
      result: { hello: "Kiln" },
      stdout: "",
      stderr: "",
      logs: [],
      usage: { fuel: 1, memoryBytes: 16777216, wallMs: 2, start: "warm" },
      runId: "0b5f3c8e-2f4a-4d7c-9a51-3e2d1c0b9a87",
    },
  });

/** A deployed script's invocation: a run's outcome and the version that ran. */
export const INVOCATION_OUTCOME = z
  .union([
    z.strictObject({ ok: z.literal(true), result: z.unknown(), ...CAPTURED, script: z.strictObject({ name: z.string(), version: z.int() }) }),
    z.strictObject({ ok: z.literal(false), error: GUEST_ERROR, ...CAPTURED, script: z.strictObject({ name: z.string(), version: z.int() }) }),
  ])
  .meta({ id: "InvocationOutcome" });
