import { EventSourceParserStream } from "eventsource-parser/stream";

/** One event of a `text/event-stream`. */
export interface ServerSentEvent {
  /** The `event:` field, `message` when there was none. */
  event: string;
  /** The `data:` lines, joined with `\n`. */
  data: string;
  id?: string;
}

/**
 * The events of a `text/event-stream` body as they arrive, parsed by eventsource-parser (the HTML
 * standard's EventSource rules: fields, comments, multi-line data, CR/LF/CRLF line ends split anywhere
 * across chunks). Web streams only, so it runs wherever `fetch` does. Leaving the loop cancels the body.
 */
export async function* serverSentEvents(body: ReadableStream<Uint8Array<ArrayBuffer>>): AsyncGenerator<ServerSentEvent, void, undefined> {
  const reader = body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream()).getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      yield { event: value.event ?? "message", data: value.data, ...(value.id !== undefined && { id: value.id }) };
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}
