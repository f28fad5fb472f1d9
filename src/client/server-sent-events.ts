/** One event of a `text/event-stream`. */
export interface ServerSentEvent {
  /** The `event:` field, `message` when there was none. */
  event: string;
  /** The `data:` lines, joined with `\n`. */
  data: string;
  id?: string;
}

const LINE_END = /\r\n|\r|\n/;

/**
 * The events of a `text/event-stream` body as they arrive, parsed by the rules of the HTML standard's
 * EventSource (fields, comments, multi-line data; CR, LF or CRLF line ends, split anywhere across
 * chunks). Web streams only, so it runs wherever `fetch` does. Leaving the loop cancels the body.
 */
export async function* serverSentEvents(body: ReadableStream<Uint8Array<ArrayBuffer>>): AsyncGenerator<ServerSentEvent, void, undefined> {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let event = "";
  let data: string[] = [];
  let id: string | undefined;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      for (let match = LINE_END.exec(buffer); match; match = LINE_END.exec(buffer)) {
        // A CR at the very end may be the first half of a CRLF the next chunk completes.
        if (match[0] === "\r" && match.index === buffer.length - 1) break;
        const line = buffer.slice(0, match.index);
        buffer = buffer.slice(match.index + match[0].length);
        if (line === "") {
          if (data.length) yield { event: event || "message", data: data.join("\n"), ...(id !== undefined && { id }) };
          event = "";
          data = [];
          continue;
        }
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon === -1 ? line : line.slice(0, colon);
        const text = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "event") event = text;
        else if (field === "data") data.push(text);
        else if (field === "id" && !text.includes("\0")) id = text;
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}
