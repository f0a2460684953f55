import { QeError } from './errors.js';
import type { RangeEncoded } from './range-encoding.js';

/**
 * Edge generation of libmongocrypt `src/mc-range-edge-generation.c` (range v2): the leaf is the
 * encoded value's bitstring without the leading zeros of the domain maximum; the edges are
 * "root" (only when trimFactor is 0), the leaf, then every prefix whose length is a multiple of
 * `sparsity`, from max(trimFactor, 1) up to the leaf's length - 1.
 */
export interface RangeEdges {
  /** The edges in libmongocrypt's order (root?, leaf, prefixes). */
  edges: string[];
  /** The full-length edge; in the insert payload its `p` carries isLeaf = 1. */
  leaf: string;
}

/** The bitstring of `n` in `bits` bits (`mc_convert_to_bitstring_u32/u64/u128`). */
export function bitstring(n: bigint, bits: number): string {
  return n.toString(2).padStart(bits, '0');
}

/** Leading zeros of `n` in a `bits`-wide unsigned integer (`mc_count_leading_zeros_*`). */
export function countLeadingZeros(n: bigint, bits: number): number {
  return n === 0n ? bits : bits - n.toString(2).length;
}

/** `mc_edges_new`: the edges of a leaf bitstring. */
export function edgesOfLeaf(leaf: string, sparsity: number, trimFactor: number): RangeEdges {
  if (!(sparsity >= 1)) throw new QeError('BAD_RANGE_OPTIONS', 'sparsity must be 1 or larger');
  if (trimFactor < 0) throw new QeError('BAD_RANGE_OPTIONS', 'trimFactor must be >= 0');
  if (trimFactor !== 0 && trimFactor >= leaf.length) {
    // A trimFactor of leaf.length would leave only the leaf: equality, not range.
    throw new QeError('BAD_RANGE_OPTIONS', `trimFactor must be less than the number of bits (${leaf.length}) used to represent an element of the domain`);
  }
  const edges: string[] = trimFactor === 0 ? ['root', leaf] : [leaf];
  for (let i = trimFactor > 0 ? trimFactor : 1; i < leaf.length; i++) {
    if (i % sparsity === 0) edges.push(leaf.slice(0, i));
  }
  return { edges, leaf };
}

/** The edges of an encoded value (`mc_getEdgesInt32/Int64/Double/Decimal128` after encoding). */
export function rangeEdges(encoded: RangeEncoded, sparsity: number, trimFactor: number): RangeEdges {
  const leaf = bitstring(encoded.value, encoded.bits).slice(countLeadingZeros(encoded.max, encoded.bits));
  return edgesOfLeaf(leaf, sparsity, trimFactor);
}
