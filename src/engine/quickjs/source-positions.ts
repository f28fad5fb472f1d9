import { TraceMap, traceSegment } from "@jridgewell/trace-mapping";

/** A place in a script: 1-based line and column, the column counted in characters (code points), as QuickJS counts. */
export interface Position {
  line: number;
  column: number;
}

const LINE_BREAK = /\r\n|\r|\n|\u2028|\u2029/;

/** Characters (code points) in `text`. */
const codePoints = (text: string) => {
  let n = 0;
  for (const _ of text) n++;
  return n;
};

/** The UTF-16 offset of the character at `column` (0-based, in code points) of `line`. */
const utf16Offset = (line: string, column: number) => {
  let offset = 0;
  let n = 0;
  for (const ch of line) {
    if (n++ === column) return offset;
    offset += ch.length;
  }
  return offset + (column - n);
};

/** 1-based column, in characters, of the UTF-8 byte offset `byte` into `line` (how esbuild counts columns). */
export function columnOfByte(line: string, byte: number): number {
  const bytes = new TextEncoder().encode(line);
  return codePoints(new TextDecoder().decode(bytes.subarray(0, byte))) + 1;
}

const isSpace = (ch: string | undefined) => ch !== undefined && /\s/.test(ch);

/**
 * The source column of generated column `column`, walking from a segment's start (`from` in the
 * generated line, `to` in the source line): each generated character is found again in the source,
 * skipping what the transpiler removed (types, `!`, `as T`) and the whitespace it added. Undefined when
 * the text does not line up (the transpiler rewrote it): the segment's start is then the best answer.
 */
function align(generated: string, from: number, column: number, source: string, to: number): number | undefined {
  let j = to;
  for (let i = from; i <= column && i < generated.length; i++) {
    const ch = generated[i]!;
    if (isSpace(ch) && !isSpace(source[j])) continue;
    while (j < source.length && source[j] !== ch) j++;
    if (j >= source.length) return undefined;
    if (i < column) j++;
  }
  return j;
}

/**
 * Maps positions in transpiled code back to the source it was made from, through the transpiler's
 * source map. Source maps count UTF-16 units from 0; QuickJS and Kiln count characters from 1: both
 * are converted. esbuild maps tokens, not every character: a position inside a segment is found by
 * lining the segment's text up with the source (see `align`).
 */
export class SourcePositions {
  readonly #map: TraceMap;
  readonly #generated: string[];
  readonly #source: string[];

  constructor(options: { generated: string; source: string; map: string }) {
    this.#map = new TraceMap(options.map);
    // esbuild writes only \n; the source may use any of JavaScript's line terminators.
    this.#generated = options.generated.split("\n");
    this.#source = options.source.split(LINE_BREAK);
  }

  /** Where `p` in the generated code came from in the source; undefined where nothing maps (helpers the transpiler added). */
  toSource(p: Position): Position | undefined {
    const generated = this.#generated[p.line - 1];
    if (generated === undefined || p.column < 1) return undefined;
    const column = utf16Offset(generated, p.column - 1);
    const segment = traceSegment(this.#map, p.line - 1, column);
    if (!segment || segment.length < 4) return undefined;
    const [segmentColumn, , sourceLine, sourceColumn] = segment as readonly [number, number, number, number];
    const source = this.#source[sourceLine];
    if (source === undefined) return undefined;
    const at = align(generated, segmentColumn, column, source, sourceColumn) ?? sourceColumn;
    return { line: sourceLine + 1, column: codePoints(source.slice(0, at)) + 1 };
  }
}
