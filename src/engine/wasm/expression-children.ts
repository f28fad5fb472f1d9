import binaryen from "binaryen";

// binaryen.js's expression classes (Block.getChildAt, Store.getPtr, …) are missing from its typings.
const B = binaryen as any;

/** One child of an expression, and how to put another expression in its place. */
export interface ChildSlot {
  child: number;
  replace(next: number): void;
}

type Slots = (expr: number) => ChildSlot[];
/** Fixed children, each by its class's getter and setter (`Store`, "Ptr" → Store.getPtr/setPtr). */
const fixed =
  (cls: string, ...fields: string[]): Slots =>
  (expr) =>
    fields.map((f) => ({ child: B[cls][`get${f}`](expr) as number, replace: (next: number) => B[cls][`set${f}`](expr, next) }));
/** A list of children (`Block`, "Child" → getNumChildren/getChildAt/setChildAt). */
const listed =
  (cls: string, item: string, count = `getNum${item}s`): Slots =>
  (expr) =>
    Array.from({ length: B[cls][count](expr) as number }, (_, i) => ({ child: B[cls][`get${item}At`](expr, i) as number, replace: (next: number) => B[cls][`set${item}At`](expr, i, next) }));
const none: Slots = () => [];
const both =
  (...parts: Slots[]): Slots =>
  (expr) =>
    parts.flatMap((p) => p(expr));

/**
 * The child expressions of every expression kind a core module may hold under the features Kiln
 * accepts (MVP, bulk memory, reference types, multivalue, legacy exceptions), plus SIMD and atomics.
 * A kind missing here would hide the stores under it, so an unknown kind is an error, never "no children".
 */
const SLOTS = new Map<number, Slots>([
  [B.NopId, none],
  [B.BlockId, listed("Block", "Child", "getNumChildren")],
  [B.IfId, fixed("If", "Condition", "IfTrue", "IfFalse")],
  [B.LoopId, fixed("Loop", "Body")],
  [B.BreakId, fixed("Break", "Condition", "Value")],
  [B.SwitchId, fixed("Switch", "Condition", "Value")],
  [B.CallId, listed("Call", "Operand")],
  [B.CallIndirectId, both(listed("CallIndirect", "Operand"), fixed("CallIndirect", "Target"))],
  [B.LocalGetId, none],
  [B.LocalSetId, fixed("LocalSet", "Value")],
  [B.GlobalGetId, none],
  [B.GlobalSetId, fixed("GlobalSet", "Value")],
  [B.LoadId, fixed("Load", "Ptr")],
  [B.StoreId, fixed("Store", "Ptr", "Value")],
  [B.AtomicRMWId, fixed("AtomicRMW", "Ptr", "Value")],
  [B.AtomicCmpxchgId, fixed("AtomicCmpxchg", "Ptr", "Expected", "Replacement")],
  [B.AtomicWaitId, fixed("AtomicWait", "Ptr", "Expected", "Timeout")],
  [B.AtomicNotifyId, fixed("AtomicNotify", "Ptr", "NotifyCount")],
  [B.AtomicFenceId, none],
  [B.SIMDExtractId, fixed("SIMDExtract", "Vec")],
  [B.SIMDReplaceId, fixed("SIMDReplace", "Vec", "Value")],
  [B.SIMDShuffleId, fixed("SIMDShuffle", "Left", "Right")],
  [B.SIMDTernaryId, fixed("SIMDTernary", "A", "B", "C")],
  [B.SIMDShiftId, fixed("SIMDShift", "Vec", "Shift")],
  [B.SIMDLoadId, fixed("SIMDLoad", "Ptr")],
  [B.SIMDLoadStoreLaneId, fixed("SIMDLoadStoreLane", "Ptr", "Vec")],
  [B.MemoryInitId, fixed("MemoryInit", "Dest", "Offset", "Size")],
  [B.DataDropId, none],
  [B.MemoryCopyId, fixed("MemoryCopy", "Dest", "Source", "Size")],
  [B.MemoryFillId, fixed("MemoryFill", "Dest", "Value", "Size")],
  [B.ConstId, none],
  [B.UnaryId, fixed("Unary", "Value")],
  [B.BinaryId, fixed("Binary", "Left", "Right")],
  [B.SelectId, fixed("Select", "IfTrue", "IfFalse", "Condition")],
  [B.DropId, fixed("Drop", "Value")],
  [B.ReturnId, fixed("Return", "Value")],
  [B.MemorySizeId, none],
  [B.MemoryGrowId, fixed("MemoryGrow", "Delta")],
  [B.UnreachableId, none],
  [B.PopId, none],
  [B.RefNullId, none],
  [B.RefIsNullId, fixed("RefIsNull", "Value")],
  [B.RefFuncId, none],
  [B.RefEqId, fixed("RefEq", "Left", "Right")],
  [B.RefAsId, fixed("RefAs", "Value")],
  [B.TableGetId, fixed("TableGet", "Index")],
  [B.TableSetId, fixed("TableSet", "Index", "Value")],
  [B.TableSizeId, none],
  [B.TableGrowId, fixed("TableGrow", "Value", "Delta")],
  [B.TryId, both(fixed("Try", "Body"), listed("Try", "CatchBody", "getNumCatchBodies"))],
  [B.ThrowId, listed("Throw", "Operand")],
  [B.RethrowId, none],
  [B.TupleMakeId, listed("TupleMake", "Operand")],
  [B.TupleExtractId, fixed("TupleExtract", "Tuple")],
]);

/** An expression's children (absent optional ones left out), each with a way to replace it; throws on a kind it does not know. */
export function expressionChildren(expr: number): ChildSlot[] {
  const id = B.Expression.getId(expr) as number;
  const slots = SLOTS.get(id);
  if (!slots) throw new Error(`expressionChildren: an expression kind (id ${id}) this walker does not know`);
  return slots(expr).filter((slot) => slot.child !== 0);
}
