/** A counting semaphore: at most `size` callers run at once, the rest wait in arrival order. */
export class Slots {
  #free: number;
  readonly #waiting: Array<() => void> = [];

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) throw new Error('concurrency must be a positive integer');
    this.#free = size;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await fn();
    } finally {
      this.#release();
    }
  }

  /** Takes a slot only if one is free now and nobody waits for it; `release` gives it back. */
  tryTake(): boolean {
    if (this.#free < 1 || this.#waiting.length) return false;
    this.#free--;
    return true;
  }

  release(): void {
    this.#release();
  }

  /** Somebody waits for a slot: a borrowed one should go back. */
  get contended(): boolean {
    return this.#waiting.length > 0;
  }

  #release() {
    // Hand the slot straight to the next waiter, or give it back.
    const next = this.#waiting.shift();
    if (next) next();
    else this.#free++;
  }
}

/**
 * Works through `items` on the caller's own lane plus up to `maxLanes - 1` lanes on slots borrowed
 * while they are idle: a long job spreads over the cores when the worker has nothing else to run. A
 * borrowed lane gives its slot back after its current item as soon as a job waits for one, so other
 * tenants' jobs are never held up by more than one item. The first failure stops every lane from
 * taking more and is thrown once all have settled. Without `slots` (or with one lane) it is a loop.
 */
export async function inLanes<T>(
  items: readonly T[],
  maxLanes: number,
  work: (item: T) => Promise<void>,
  slots?: Slots,
): Promise<void> {
  let next = 0;
  let failure: { err: unknown } | undefined;
  const lane = async (borrowed: boolean) => {
    try {
      while (!failure && next < items.length && !(borrowed && slots?.contended)) {
        const item = items[next++] as T;
        await work(item);
      }
    } catch (err) {
      failure ??= { err };
    } finally {
      if (borrowed) slots?.release();
    }
  };
  const lanes = [lane(false)];
  for (let i = 1; i < Math.min(maxLanes, items.length) && slots?.tryTake(); i++) lanes.push(lane(true));
  await Promise.all(lanes);
  if (failure) throw failure.err;
}
