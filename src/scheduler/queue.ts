/**
 * Queues for the scheduler's hot path: a growable ring deque and a priority
 * queue made of one FIFO deque per distinct priority (nearly always just
 * one), so push and shift stay O(1) amortized.
 */

export class Deque<T> {
  #buf: (T | undefined)[] = new Array(16);
  #head = 0;
  #size = 0;

  get length(): number {
    return this.#size;
  }

  push(x: T): void {
    if (this.#size === this.#buf.length) this.#grow();
    this.#buf[(this.#head + this.#size) & (this.#buf.length - 1)] = x;
    this.#size++;
  }

  unshift(x: T): void {
    if (this.#size === this.#buf.length) this.#grow();
    this.#head = (this.#head - 1) & (this.#buf.length - 1);
    this.#buf[this.#head] = x;
    this.#size++;
  }

  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const x = this.#buf[this.#head];
    this.#buf[this.#head] = undefined;
    this.#head = (this.#head + 1) & (this.#buf.length - 1);
    this.#size--;
    return x;
  }

  peek(): T | undefined {
    return this.#size === 0 ? undefined : this.#buf[this.#head];
  }

  /** Remove and return everything, oldest first. */
  drain(): T[] {
    const out: T[] = new Array(this.#size);
    for (let i = 0; i < out.length; i++) out[i] = this.shift()!;
    return out;
  }

  #grow(): void {
    const old = this.#buf;
    const next: (T | undefined)[] = new Array(old.length * 2);
    for (let i = 0; i < this.#size; i++) next[i] = old[(this.#head + i) & (old.length - 1)];
    this.#buf = next;
    this.#head = 0;
  }
}

/** Highest priority first, FIFO within a priority. */
export class PriorityQueue<T> {
  #levels = new Map<number, Deque<T>>();
  /** Distinct priorities, descending. */
  #order: number[] = [];
  #size = 0;

  get length(): number {
    return this.#size;
  }

  #level(priority: number): Deque<T> {
    let d = this.#levels.get(priority);
    if (d === undefined) {
      d = new Deque<T>();
      this.#levels.set(priority, d);
      this.#order.push(priority);
      this.#order.sort((a, b) => b - a);
    }
    return d;
  }

  push(x: T, priority: number): void {
    this.#level(priority).push(x);
    this.#size++;
  }

  /** Put back at the front of its priority (a rescheduled task keeps its place). */
  unshift(x: T, priority: number): void {
    this.#level(priority).unshift(x);
    this.#size++;
  }

  /** The next item shift() would return (possibly a stale one the caller skips). */
  peek(): T | undefined {
    for (const p of this.#order) {
      const x = this.#levels.get(p)!.peek();
      if (x !== undefined) return x;
    }
    return undefined;
  }

  shift(): T | undefined {
    for (let i = 0; i < this.#order.length; i++) {
      const p = this.#order[i];
      const d = this.#levels.get(p)!;
      if (d.length > 0) {
        this.#size--;
        const x = d.shift();
        if (d.length === 0 && this.#order.length > 1) {
          this.#levels.delete(p);
          this.#order.splice(i, 1);
        }
        return x;
      }
    }
    return undefined;
  }

  drain(): T[] {
    const out: T[] = [];
    for (const p of this.#order) out.push(...this.#levels.get(p)!.drain());
    this.#levels.clear();
    this.#order = [];
    this.#size = 0;
    return out;
  }
}
