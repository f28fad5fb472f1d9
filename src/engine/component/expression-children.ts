import binaryen from "binaryen";

type Getter = (expr: number) => number;
const one = (...getters: Getter[]) => (expr: number) => getters.map((get) => get(expr));
const list = (count: Getter, at: (expr: number, i: number) => number) => (expr: number) => Array.from({ length: count(expr) }, (_, i) => at(expr, i));

// binaryen.js's expression classes (Block.getChildAt, Store.getPtr, …) are missing from its typings.
const B = binaryen as any;
/**
 * The child expressions of every expression kind a core module may hold under the features Kiln
 * accepts (MVP, bulk memory, reference types, multivalue, legacy exceptions), plus SIMD and atomics.
 * A kind missing here would hide the stores under it, so an unknown kind is an error, never "no children".
 */
const CHILDREN = new Map<number, (expr: number) => number[]>([
  [B.NopId, () => []],
  [B.BlockId, list(B.Block.getNumChildren, B.Block.getChildAt)],
  [B.IfId, one(B.If.getCondition, B.If.getIfTrue, B.If.getIfFalse)],
  [B.LoopId, one(B.Loop.getBody)],
  [B.BreakId, one(B.Break.getCondition, B.Break.getValue)],
  [B.SwitchId, one(B.Switch.getCondition, B.Switch.getValue)],
  [B.CallId, list(B.Call.getNumOperands, B.Call.getOperandAt)],
  [B.CallIndirectId, (e) => [...list(B.CallIndirect.getNumOperands, B.CallIndirect.getOperandAt)(e), B.CallIndirect.getTarget(e)]],
  [B.LocalGetId, () => []],
  [B.LocalSetId, one(B.LocalSet.getValue)],
  [B.GlobalGetId, () => []],
  [B.GlobalSetId, one(B.GlobalSet.getValue)],
  [B.LoadId, one(B.Load.getPtr)],
  [B.StoreId, one(B.Store.getPtr, B.Store.getValue)],
  [B.AtomicRMWId, one(B.AtomicRMW.getPtr, B.AtomicRMW.getValue)],
  [B.AtomicCmpxchgId, one(B.AtomicCmpxchg.getPtr, B.AtomicCmpxchg.getExpected, B.AtomicCmpxchg.getReplacement)],
  [B.AtomicWaitId, one(B.AtomicWait.getPtr, B.AtomicWait.getExpected, B.AtomicWait.getTimeout)],
  [B.AtomicNotifyId, one(B.AtomicNotify.getPtr, B.AtomicNotify.getNotifyCount)],
  [B.AtomicFenceId, () => []],
  [B.SIMDExtractId, one(B.SIMDExtract.getVec)],
  [B.SIMDReplaceId, one(B.SIMDReplace.getVec, B.SIMDReplace.getValue)],
  [B.SIMDShuffleId, one(B.SIMDShuffle.getLeft, B.SIMDShuffle.getRight)],
  [B.SIMDTernaryId, one(B.SIMDTernary.getA, B.SIMDTernary.getB, B.SIMDTernary.getC)],
  [B.SIMDShiftId, one(B.SIMDShift.getVec, B.SIMDShift.getShift)],
  [B.SIMDLoadId, one(B.SIMDLoad.getPtr)],
  [B.SIMDLoadStoreLaneId, one(B.SIMDLoadStoreLane.getPtr, B.SIMDLoadStoreLane.getVec)],
  [B.MemoryInitId, one(B.MemoryInit.getDest, B.MemoryInit.getOffset, B.MemoryInit.getSize)],
  [B.DataDropId, () => []],
  [B.MemoryCopyId, one(B.MemoryCopy.getDest, B.MemoryCopy.getSource, B.MemoryCopy.getSize)],
  [B.MemoryFillId, one(B.MemoryFill.getDest, B.MemoryFill.getValue, B.MemoryFill.getSize)],
  [B.ConstId, () => []],
  [B.UnaryId, one(B.Unary.getValue)],
  [B.BinaryId, one(B.Binary.getLeft, B.Binary.getRight)],
  [B.SelectId, one(B.Select.getIfTrue, B.Select.getIfFalse, B.Select.getCondition)],
  [B.DropId, one(B.Drop.getValue)],
  [B.ReturnId, one(B.Return.getValue)],
  [B.MemorySizeId, () => []],
  [B.MemoryGrowId, one(B.MemoryGrow.getDelta)],
  [B.UnreachableId, () => []],
  [B.PopId, () => []],
  [B.RefNullId, () => []],
  [B.RefIsNullId, one(B.RefIsNull.getValue)],
  [B.RefFuncId, () => []],
  [B.RefEqId, one(B.RefEq.getLeft, B.RefEq.getRight)],
  [B.RefAsId, one(B.RefAs.getValue)],
  [B.TableGetId, one(B.TableGet.getIndex)],
  [B.TableSetId, one(B.TableSet.getIndex, B.TableSet.getValue)],
  [B.TableSizeId, () => []],
  [B.TableGrowId, one(B.TableGrow.getValue, B.TableGrow.getDelta)],
  [B.TryId, (e) => [B.Try.getBody(e), ...list(B.Try.getNumCatchBodies, B.Try.getCatchBodyAt)(e)]],
  [B.ThrowId, list(B.Throw.getNumOperands, B.Throw.getOperandAt)],
  [B.RethrowId, () => []],
  [B.TupleMakeId, list(B.TupleMake.getNumOperands, B.TupleMake.getOperandAt)],
  [B.TupleExtractId, one(B.TupleExtract.getTuple)],
]);

/** An expression's children (absent optional ones left out); throws on a kind it does not know. */
export function expressionChildren(expr: number): number[] {
  const id = B.Expression.getId(expr);
  const children = CHILDREN.get(id);
  if (!children) throw new Error(`expressionChildren: an expression kind (id ${id}) this walker does not know`);
  return children(expr).filter((child) => child !== 0);
}
