/** The dirty-page pass on a small hand-written module: which pages each kind of write marks. */
import binaryen from "binaryen";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { componentRuntimes } from "../../../languages/index.ts";
import { DIRTY_BASE_GLOBAL, DIRTY_SHIFT_GLOBAL, IMPORT_ARG_REACH, instrumentDirty } from "../../../src/engine/wasm/instrument-dirty.ts";
import { GLUE_NAME, preparedFolderName } from "../../../src/engine/component/prepared-runtime.ts";

const PAGE = 65536;
const BITMAP = 7; // the module's last page
const WAT = `(module
  (import "env" "host" (func $host (param i32 i64 i32) (result i32)))
  (memory (export "memory") 8 8)
  (data $seg "hello world")
  (func (export "store32") (param $a i32) (i32.store offset=4 (local.get $a) (i32.const 1)))
  (func (export "zero") (param $a i32) (i32.store8 (local.get $a) (i32.const 0)))
  (func (export "store8") (param $a i32) (i64.store8 offset=65536 (local.get $a) (i64.const 1)))
  (func (export "storef64") (param $a i32) (f64.store (local.get $a) (f64.const 1)))
  (func (export "v128") (param $a i32) (v128.store (local.get $a) (v128.const i32x4 1 2 3 4)))
  (func (export "lane") (param $a i32) (v128.store8_lane offset=1 3 (local.get $a) (v128.const i32x4 1 2 3 4)))
  (func (export "atomic") (param $a i32) (i32.atomic.store (local.get $a) (i32.const 1)))
  (func (export "rmw") (param $a i32) (drop (i32.atomic.rmw.add (local.get $a) (i32.const 1))))
  (func (export "cmpxchg") (param $a i32) (drop (i32.atomic.rmw.cmpxchg (local.get $a) (i32.const 0) (i32.const 1))))
  (func (export "nested") (param $a i32) (param $b i32)
    (i32.store (block (result i32) (i32.store (local.get $b) (i32.const 2)) (local.get $a)) (i32.const 1)))
  (func (export "fill") (param $a i32) (param $n i32) (memory.fill (local.get $a) (i32.const 7) (local.get $n)))
  (func (export "copy") (param $a i32) (param $n i32) (memory.copy (local.get $a) (i32.const 0) (local.get $n)))
  (func (export "init") (param $a i32) (memory.init $seg (local.get $a) (i32.const 0) (i32.const 11)))
  (func (export "call") (param $a i32) (param $b i32) (drop (call $host (local.get $a) (i64.const 0) (local.get $b))))
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 0x50000))
)`;

function instrumented() {
  const mod = binaryen.parseText(WAT);
  mod.setFeatures(binaryen.Features.All);
  const bytes = mod.emitBinary();
  mod.dispose();
  return new WebAssembly.Module(instrumentDirty(bytes));
}

async function instance(options: { enable: boolean; bitmap?: number }) {
  const calls: number[][] = [];
  const inst = await WebAssembly.instantiate(instrumented(), { env: { host: (a: number, _: bigint, b: number) => (calls.push([a, b]), 0) } });
  if (options.enable) {
    (inst.exports[DIRTY_BASE_GLOBAL] as WebAssembly.Global).value = (options.bitmap ?? BITMAP) * PAGE;
    (inst.exports[DIRTY_SHIFT_GLOBAL] as WebAssembly.Global).value = 16;
  }
  const bytes = () => new Uint8Array((inst.exports.memory as WebAssembly.Memory).buffer);
  /** The pages marked by `fn`, with the marks cleared first. */
  const marked = (fn: () => void) => {
    bytes().fill(0, BITMAP * PAGE);
    fn();
    return [...bytes().subarray(BITMAP * PAGE, BITMAP * PAGE + 16)].flatMap((m, p) => (m ? [p] : []));
  };
  return { fn: inst.exports as Record<string, (...args: number[]) => number>, bytes, marked, calls };
}

describe("instrumentDirty", () => {
  it("marks the page of every store's address plus offset, whatever its kind, and still stores", async () => {
    const { fn, bytes, marked } = await instance({ enable: true });
    expect(marked(() => fn.store32!(2 * PAGE - 2))).toEqual([2]);
    expect(bytes()[2 * PAGE + 2]).toBe(1);
    expect(marked(() => fn.store8!(10))).toEqual([1]);
    expect(marked(() => fn.storef64!(3 * PAGE + 8))).toEqual([3]);
    expect(marked(() => fn.v128!(4 * PAGE))).toEqual([4]);
    expect(marked(() => fn.lane!(5 * PAGE - 1))).toEqual([5]);
    expect(marked(() => fn.atomic!(6 * PAGE))).toEqual([6]);
    expect(marked(() => fn.rmw!(PAGE))).toEqual([1]);
    expect(marked(() => fn.cmpxchg!(2 * PAGE))).toEqual([2]);
    expect(marked(() => fn.nested!(3 * PAGE, 5 * PAGE))).toEqual([3, 5]);
  });

  it("marks the whole destination range of memory.fill, memory.copy and memory.init, and nothing for an empty one", async () => {
    const { fn, marked } = await instance({ enable: true });
    expect(marked(() => fn.fill!(3 * PAGE - 1, PAGE + 2))).toEqual([2, 3, 4]);
    expect(marked(() => fn.fill!(3 * PAGE, 0))).toEqual([]);
    expect(marked(() => fn.copy!(5 * PAGE, 1))).toEqual([5]);
    expect(marked(() => fn.init!(6 * PAGE - 5))).toEqual([5, 6]);
  });

  it("marks what each i32 argument of an import call points at, up to IMPORT_ARG_REACH bytes on", async () => {
    const { fn, marked, calls } = await instance({ enable: true });
    expect(marked(() => fn.call!(4 * PAGE - 10, 5))).toEqual([0, 3, 4]);
    expect(calls).toEqual([[4 * PAGE - 10, 5]]);
  });

  it("marks the block an exported realloc returns, and returns it", async () => {
    const { fn, marked } = await instance({ enable: true });
    let block = 0;
    expect(marked(() => (block = fn.cabi_realloc!(0, 0, 1, 16)))).toEqual([5]);
    expect(block).toBe(0x50000);
  });

  it("marks after the write: a store over the bitmap's own mark leaves it set", async () => {
    const { fn, bytes } = await instance({ enable: true });
    const own = BITMAP * PAGE + BITMAP;
    fn.zero!(own);
    expect(bytes()[own]).toBe(1);
    fn.fill!(BITMAP * PAGE, 16); // 7 over the first 16 marks, its own among them
    expect([bytes()[BITMAP * PAGE + 3], bytes()[own]]).toEqual([7, 1]);
  });

  it("traps when an exported realloc hands out a block in the guard or bitmap page", async () => {
    const { fn } = await instance({ enable: true });
    expect(() => fn.cabi_realloc!(0, 0, 1, PAGE + 1)).toThrow(WebAssembly.RuntimeError); // reaches the guard page (6)
    const moved = await instance({ enable: true, bitmap: 5 });
    expect(() => moved.fn.cabi_realloc!(0, 0, 1, 16)).toThrow(WebAssembly.RuntimeError); // in the bitmap page
  });

  it("does not trap on a block clear of the guard and bitmap pages when the guard page was marked before (an import's reach past a pointer near its end)", async () => {
    const { fn, bytes } = await instance({ enable: true });
    fn.call!(6 * PAGE - 10, 5); // IMPORT_ARG_REACH past the pointer lands in the guard page (6)
    expect(bytes()[BITMAP * PAGE + 6]).toBe(1);
    expect(fn.cabi_realloc!(0, 0, 1, 16)).toBe(0x50000);
    expect(fn.cabi_realloc!(0, 0, 1, 0)).toBe(0x50000);
  });

  it("before the host sets the bitmap up, marks only bytes 0 and 1", async () => {
    const { fn, bytes } = await instance({ enable: false });
    fn.store32!(3 * PAGE);
    fn.fill!(PAGE, 3 * PAGE);
    expect([...bytes().subarray(0, 4)]).toEqual([1, 0, 0, 0]);
    expect(bytes().subarray(4, 1024).every((b) => b === 0)).toBe(true);
  });

  it("leaves modules without memory alone and refuses a start function", () => {
    const plain = binaryen.parseText(`(module (func $f) (export "f" (func $f)))`);
    const bytes = plain.emitBinary();
    plain.dispose();
    expect(instrumentDirty(bytes)).toEqual(new Uint8Array(bytes));
    const started = binaryen.parseText(`(module (memory 1) (func $f (i32.store (i32.const 0) (i32.const 1))) (start $f))`);
    const startBytes = started.emitBinary();
    started.dispose();
    expect(() => instrumentDirty(startBytes)).toThrow(/start function/);
  });

  it("IMPORT_ARG_REACH covers every write jco's glue makes through an argument of an imported function", async () => {
    const sizes: Record<string, number> = { Int8: 1, Uint8: 1, Int16: 2, Uint16: 2, Int32: 4, Uint32: 4, Float32: 4, BigInt64: 8, Float64: 8 };
    for (const descriptor of componentRuntimes.filter((d) => d.warm)) {
      const dir = join(".kiln/cache", await preparedFolderName(descriptor, readFileSync(descriptor.artifact)));
      const glue = readFileSync(join(dir, `${GLUE_NAME}.js`), "utf8");
      const writes = [...glue.matchAll(/\.set(Int8|Uint8|Int16|Uint16|Int32|Uint32|Float32|BigInt64|Float64)\(arg\d+ \+ (\d+)/g)];
      expect(writes.length).toBeGreaterThan(50);
      const reach = Math.max(...writes.map((w) => Number(w[2]) + sizes[w[1]!]!));
      expect(reach).toBeLessThanOrEqual(IMPORT_ARG_REACH);
    }
  });
});

