import type { ConfiguredHostLimits } from "../config.ts";

/**
 * Server-side caps on what one run may do through the host interfaces: what the configuration reads
 * (KILN_LOG_*, KILN_KV_*, KILN_HTTP_*), sent with each job as plain data.
 */
export type HostLimits = ConfiguredHostLimits;
