import { guestResultOf, type GuestDriver } from "./guest-driver.ts";
import { RUBY_PRELUDE, wrapRuby } from "./ruby-wrapper.ts";

/**
 * How Ruby starts: C strings, so NUL-terminated. RubyGems and the did_you_mean, error_highlight and
 * syntax_suggest gems stay off (nothing can be installed in a sandbox, and they cost most of the
 * start); `json` comes from the standard library.
 */
export const RUBY_INIT_ARGS = ["ruby", "-EUTF-8", "--disable-gems", "-rjson", "-e_=0"].map((a) => `${a}\0`);

/** Drives the prepared Ruby core: `ruby-init` and Kiln's prelude when an instance starts, then one eval per run. */
export const rubyDriver: GuestDriver = {
  init(instance) {
    instance.rubyInit(RUBY_INIT_ARGS);
    const [, preludeState] = instance.evaluate(RUBY_PRELUDE) as [number, number];
    if (preludeState !== 0) throw new Error(`ruby: the Kiln prelude failed to load (Ruby state ${preludeState})`);
  },
  run(instance, job, { seed, reseed }) {
    reseed();
    // Every seed has the same bit length (30 bits, top bit set): srand's work, and so the fuel, does not vary with it.
    const [value, state] = instance.evaluate(wrapRuby(job.code, job.inputJson, (seed >>> 2) | 0x40000000)) as [number, number];
    if (state !== 0) return { ok: false, error: { code: "guest_error", message: `the script ended abnormally (Ruby state ${state})` } };
    return guestResultOf(JSON.parse(instance.rstringPtr(value)));
  },
};
