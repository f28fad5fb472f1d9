import type { HttpResponse } from "./wit.ts";

/** One request as the `http` host hands it to a transport, after its own policy checks. */
export interface TransportRequest {
  method: string;
  url: URL;
  headers: [string, string][];
  body: Uint8Array | null;
  /** How long the whole exchange may take, from sending to the last byte of the response. */
  timeoutMs: number;
  maxResponseBytes: number;
  /** Lifts the ban on loopback and private addresses (a server switch for tests). */
  allowPrivate: boolean;
  signal: AbortSignal;
}

/**
 * Sends one HTTP request without following redirects. A transport must refuse, before sending,
 * any address that `forbiddenAddressReason` bans, including every address a host name resolves to,
 * and must stop reading past `maxResponseBytes`. Failures are `HostCallError`s.
 */
export interface HttpTransport {
  send(request: TransportRequest): Promise<HttpResponse>;
}
