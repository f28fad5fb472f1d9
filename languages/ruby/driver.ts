import { guestCall, guestResultOf, type GuestDriver, type GuestResult } from "../../src/engine/component/guest-driver.ts";
import { RUBY_PRELUDE, wrapRuby } from "./binding.ts";

/**
 * How Ruby starts: C strings, so NUL-terminated. RubyGems and the did_you_mean, error_highlight and
 * syntax_suggest gems stay off (nothing can be installed in a sandbox, and they cost most of the
 * start); `json` comes from the standard library.
 */
export const RUBY_INIT_ARGS = ["ruby", "-EUTF-8", "--disable-gems", "-rjson", "-e_=0"].map((a) => `${a}\0`);

/** Drives the prepared Ruby core: `ruby-init` and Kiln's prelude when an instance starts, then one eval per run. */
export const rubyDriver: GuestDriver = {
  // Each export answers a promise on workerd (JSPI glue), a value elsewhere: guestCall chains either way.
  init(instance) {
    return guestCall(
      () => instance.rubyInit(RUBY_INIT_ARGS) as void | Promise<void>,
      () =>
        guestCall(
          () => instance.evaluate(RUBY_PRELUDE) as [number, number] | Promise<[number, number]>,
          ([, preludeState]) => {
            if (preludeState !== 0) throw new Error(`ruby: the Kiln prelude failed to load (Ruby state ${preludeState})`);
          },
        ),
    );
  },
  run(instance, job, { seed, reseed }) {
    reseed();
    // Every seed has the same bit length (30 bits, top bit set): srand's work, and so the fuel, does not vary with it.
    const program = wrapRuby(job.code, job.inputJson, (seed >>> 2) | 0x40000000, { evaluateOnly: job.evaluateOnly === true, args: job.args, files: job.files });
    return guestCall(
      () => instance.evaluate(program) as [number, number] | Promise<[number, number]>,
      ([value, state]): GuestResult | Promise<GuestResult> => {
        if (state !== 0) return { ok: false, error: { code: "guest_error", message: `the script ended abnormally (Ruby state ${state})` } };
        return guestCall(() => instance.rstringPtr(value) as string | Promise<string>, (text) => rubyResultOf(text, job.code));
      },
    );
  },
};

/** The wrapper's envelope as a guest result, with a syntax error's column and a guest error's stack. */
function rubyResultOf(text: string, code: string): GuestResult {
  const result = guestResultOf(text);
  if (result.ok || !("error" in result)) return result;
  const { error } = result;
  if (error.code === "syntax_error" && error.line !== undefined) {
    const column = rubySyntaxColumn(error.message, code, error.line);
    if (column !== undefined) error.column = column;
  }
  if (error.code === "guest_error") {
    const stack = stackOf(text);
    if (stack !== undefined) error.stack = stack;
  }
  return result;
}

/** The script's frames the wrapper put in a failed run's envelope, if it is one. */
function stackOf(text: string): string | undefined {
  try {
    const stack = (JSON.parse(text) as { stack?: unknown } | null)?.stack;
    return typeof stack === "string" ? stack : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The column (1-based, in characters) of a Ruby 3.4 syntax error, read from the snippet prism puts in
 * the message: the first caret under the first `> <line> | …` source line. Prism prints a space per
 * character before the caret, except when the error starts 30 bytes or more into its line: then it
 * shows `... ` and the line from the error on, and the column is where that text starts in the line.
 */
export function rubySyntaxColumn(message: string, code: string, line: number): number | undefined {
  const lines = message.split("\n");
  const at = lines.findIndex((l) => new RegExp(`^>\\s*${line} \\| `).test(l));
  if (at < 0) return undefined;
  const shown = lines[at]!.slice(lines[at]!.indexOf(" | ") + 3);
  const caret = /^\s*\| ( *)\^/.exec(lines[at + 1] ?? "");
  if (!caret) return undefined;
  const offset = caret[1]!.length;
  if (!shown.startsWith("... ")) return offset + 1;
  const source = code.split("\n")[line - 1] ?? "";
  const rest = shown.slice(4).replace(/ \.\.\.$/, "");
  const bytes = new TextEncoder();
  for (let from = source.indexOf(rest); from >= 0; from = source.indexOf(rest, from + 1)) {
    if (bytes.encode(source.slice(0, from)).length >= 30) return [...source.slice(0, from)].length + (offset - 4) + 1;
  }
  return undefined;
}
