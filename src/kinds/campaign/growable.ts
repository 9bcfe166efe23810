/**
 * Typed arrays that grow by doubling: the storage of the campaign's per-phone and per-draw
 * records. Fields kept as parallel typed arrays cost a few bytes per record and no object per
 * record, which is what keeps a million phones small; the price is copying on growth (amortised
 * O(1), and twice the memory for the moment of the copy).
 */

type TypedArray = Int32Array | Float64Array | Int16Array | Uint8Array;

/** `array` when it holds index `index`, else a copy with at least twice the room. */
export function withRoom<A extends TypedArray>(array: A, index: number): A {
  if (index < array.length) return array;
  const make = array.constructor as new (length: number) => A;
  const grown = new make(Math.max(16, array.length * 2, index + 1));
  grown.set(array);
  return grown;
}
