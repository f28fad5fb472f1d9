/**
 * A request Kiln did not serve: the server's 4xx or 5xx `{error: {code, message}}`, or no answer at all
 * (`status` 0, `code` "connection_failed": the server cannot be reached). A run that fails is not an
 * error: it is data (`{ok: false, error}`) in the run's response.
 */
export class KilnError extends Error {
  override readonly name = "KilnError";
  constructor(
    /** The HTTP status, or 0 when no response came. */
    readonly status: number,
    /** The server's `error.code` (`unauthorized`, `not_found`, …), or `connection_failed`. */
    readonly code: string,
    message: string,
    /** Seconds after which a retry may succeed (the `Retry-After` of a 423, 429 or 503). */
    readonly retryAfter?: number,
  ) {
    super(message);
  }

  /** The error a response with a non-2xx status stands for, from its `{error: {code, message}}` body when it has one. */
  static async fromResponse(response: Response): Promise<KilnError> {
    const text = await response.text().catch(() => "");
    let code = `http_${response.status}`;
    let message = text.trim() || response.statusText || `HTTP ${response.status}`;
    try {
      const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
      if (typeof body.error?.code === "string") code = body.error.code;
      if (typeof body.error?.message === "string") message = body.error.message;
    } catch {
      // Not Kiln's JSON (a proxy's page, say): keep the status and the text.
    }
    const retryAfter = Number(response.headers.get("retry-after") ?? Number.NaN);
    return new KilnError(response.status, code, message, Number.isFinite(retryAfter) ? retryAfter : undefined);
  }
}
