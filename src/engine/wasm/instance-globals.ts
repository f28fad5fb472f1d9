/**
 * The globals the build-time passes (instrument-fuel.ts) export from a metered core module, by name:
 * what the engine reads and writes on a live instance. Kept apart from the passes, so running an
 * instance never loads binaryen.
 */

/** The exported global a host sets before a call and reads after: fuel left, in units. */
export const FUEL_GLOBAL = "__kiln_fuel";
/** Every other mutable global is exported under this prefix and its index, so the host can snapshot and restore it. */
export const STATE_GLOBAL_PREFIX = "__kiln_g";
/**
 * The guest's memory size in pages as the guest sees it (virtual-pages.ts): restored with the rest of
 * its state, so a warm instance's allocator grows again into the pages an earlier run grew. 0 until
 * the guest first asks.
 */
export const PAGES_GLOBAL = "__kiln_pages";
/**
 * The run's memory cap in pages (virtual-pages.ts): the guest's `memory.grow` fails past it. Not state:
 * the host sets it before every run, after any restore.
 */
export const CAP_GLOBAL = "__kiln_cap_pages";
