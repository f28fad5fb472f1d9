import type { Redis } from "ioredis";
import type { LogBus, LogEvent } from "../../../platform/log-bus.ts";
import { viaRedis } from "./redis-connection.ts";

/** Log events over Redis pub/sub (channel `kiln:logs:<tenant>`), so a subscriber on one node sees runs on every node. */
export class RedisLogBus implements LogBus {
  readonly #listeners = new Map<string, Set<(event: LogEvent) => void>>();

  /** `subscriber` must be a connection of its own: Redis puts it in subscriber mode. */
  constructor(
    readonly publisher: Redis,
    readonly subscriber: Redis,
  ) {
    subscriber.on("message", (channel: string, message: string) => {
      const listeners = this.#listeners.get(channel.slice("kiln:logs:".length));
      if (!listeners) return;
      const events = JSON.parse(message) as LogEvent[];
      for (const listener of listeners) for (const e of events) listener(e);
    });
  }

  publish(tenantId: string, events: LogEvent[]): Promise<void> {
    return viaRedis(async () => void (await this.publisher.publish(`kiln:logs:${tenantId}`, JSON.stringify(events))));
  }

  subscribe(tenantId: string, listener: (event: LogEvent) => void): Promise<() => void> {
    return viaRedis(async () => {
      let set = this.#listeners.get(tenantId);
      if (!set) {
        set = new Set();
        this.#listeners.set(tenantId, set);
        await this.subscriber.subscribe(`kiln:logs:${tenantId}`);
      }
      set.add(listener);
      return () => {
        set!.delete(listener);
        if (set!.size || this.#listeners.get(tenantId) !== set) return;
        this.#listeners.delete(tenantId);
        void this.subscriber.unsubscribe(`kiln:logs:${tenantId}`).catch(() => undefined);
      };
    });
  }
}
