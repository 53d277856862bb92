import type { Random } from "../../src/demo/random.ts";

/**
 * Walker/Vose alias table: O(1) draws of an index with probability proportional
 * to its weight. Used for users, agents, models… millions of times. The draws
 * come from the project's one seeded generator (src/demo/random.ts).
 */
export class Alias {
  private readonly prob: Float64Array;
  private readonly alias: Int32Array;
  readonly size: number;

  constructor(weights: ArrayLike<number>) {
    const n = weights.length;
    if (n === 0) throw new Error("alias table of no weights");
    this.size = n;
    this.prob = new Float64Array(n);
    this.alias = new Int32Array(n);
    let total = 0;
    for (let i = 0; i < n; i++) total += weights[i]!;
    if (!(total > 0)) throw new Error("alias table needs a positive total weight");
    const scaled = new Float64Array(n);
    const small: number[] = [];
    const large: number[] = [];
    for (let i = 0; i < n; i++) {
      scaled[i] = (weights[i]! * n) / total;
      (scaled[i]! < 1 ? small : large).push(i);
    }
    while (small.length > 0 && large.length > 0) {
      const s = small.pop()!;
      const l = large.pop()!;
      this.prob[s] = scaled[s]!;
      this.alias[s] = l;
      scaled[l] = scaled[l]! + scaled[s]! - 1;
      (scaled[l]! < 1 ? small : large).push(l);
    }
    for (const i of large) this.prob[i] = 1;
    for (const i of small) this.prob[i] = 1;
  }

  draw(rng: Random): number {
    const r = rng.next() * this.size;
    const i = Math.floor(r);
    return r - i < this.prob[i]! ? i : this.alias[i]!;
  }
}

/** A small weighted choice among a few labelled items (alias-backed). */
export class Weighted<T> {
  private readonly table: Alias;
  constructor(private readonly items: readonly (readonly [T, number])[]) {
    this.table = new Alias(items.map(([, w]) => w));
  }
  draw(rng: Random): T {
    return this.items[this.table.draw(rng)]![0];
  }
}
