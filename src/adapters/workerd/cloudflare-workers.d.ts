/** The part of workerd's `cloudflare:workers` module Kiln uses. */
declare module "cloudflare:workers" {
  export class DurableObject {
    protected ctx: unknown;
    protected env: unknown;
    constructor(ctx: unknown, env: unknown);
  }
}
