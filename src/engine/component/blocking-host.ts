import type { RunGrants } from "../../capabilities/grants.ts";
import type { HostLimits } from "../../capabilities/capability-limits.ts";

/**
 * Serves a component guest's asynchronous host calls (kv, http) synchronously: a component's
 * imports are called by the glue and must return a value, they cannot await. An adapter provides
 * it (the Node adapter answers from a helper thread while the caller blocks); without one, those
 * interfaces fail for components with `failed`.
 */
export interface BlockingHost extends Disposable {
  /** The host side of one run; `deadline` (epoch ms) bounds how long a call may block. */
  open(run: { grants: RunGrants; limits: HostLimits; deadline: number }): BlockingRun;
  dispose(): void;
}

export interface BlockingRun extends Disposable {
  /** Calls `iface.fn` and blocks until it answers; throws `HostCallError`. */
  call(iface: string, fn: string, args: unknown[]): unknown;
  dispose(): void;
}
