import { describe, expect, it } from 'vitest';
import { inLanes, Slots } from '../src/slots.ts';

/** A promise and the function that settles it, to hold a piece of work until the test lets it go. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => {
    open = r;
  });
  return { opened, open };
}

const tick = () => new Promise((r) => setImmediate(r));

/** Work that records how many items run at once and the order they finished in. */
function recorder() {
  let running = 0;
  const seen = { most: 0, done: [] as number[] };
  const work = async (item: number) => {
    running++;
    seen.most = Math.max(seen.most, running);
    await tick();
    running--;
    seen.done.push(item);
  };
  return { seen, work };
}

describe('job slots lent to a job as lanes', () => {
  it('spreads the items over the idle slots, each item once', async () => {
    const slots = new Slots(4);
    const { seen, work } = recorder();
    // The job itself holds one slot, as in the worker; it may borrow two of the three idle ones.
    await slots.run(() => inLanes([1, 2, 3, 4, 5, 6, 7, 8, 9], 3, work, slots));
    expect(seen.most).toBe(3);
    expect([...seen.done].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Every borrowed slot came back: four jobs can run again.
    expect([1, 2, 3, 4].map(() => slots.tryTake())).toEqual([true, true, true, true]);
  });

  it('runs on its own lane alone when no slot is idle, or without slots', async () => {
    const busy = new Slots(1);
    const first = recorder();
    await busy.run(() => inLanes([1, 2, 3], 4, first.work, busy));
    expect(first.seen.most).toBe(1);
    expect(first.seen.done).toEqual([1, 2, 3]);

    const none = recorder();
    await inLanes([1, 2, 3], 4, none.work);
    expect(none.seen.most).toBe(1);
  });

  it('gives a borrowed slot back after its current item when another job waits', async () => {
    const slots = new Slots(2);
    const gates = new Map([
      [1, gate()],
      [2, gate()],
    ]);
    const started: number[] = [];
    const work = async (item: number) => {
      started.push(item);
      await (gates.get(item)?.opened ?? tick());
    };
    const job = slots.run(() => inLanes([1, 2, 3, 4, 5], 2, work, slots));
    await tick();
    // Item 1 on the job's own lane, item 2 on the borrowed one; another job comes and has to wait.
    expect(started).toEqual([1, 2]);
    let otherRan = false;
    const other = slots.run(async () => {
      otherRan = true;
    });
    await tick();
    expect(otherRan).toBe(false);
    // Item 2 ends: its lane hands the slot over instead of taking item 3.
    gates.get(2)!.open();
    await other;
    expect(otherRan).toBe(true);
    expect(started).toEqual([1, 2]);
    // The job's own lane does the rest.
    gates.get(1)!.open();
    await job;
    expect(started).toEqual([1, 2, 3, 4, 5]);
  });

  it('stops every lane at the first failure, throws it once all have stopped, and returns the slots', async () => {
    const slots = new Slots(3);
    const started: number[] = [];
    const work = async (item: number) => {
      started.push(item);
      if (item === 2) throw new Error('chunk 2 failed');
      await tick();
    };
    await expect(slots.run(() => inLanes([1, 2, 3, 4, 5, 6, 7, 8], 3, work, slots))).rejects.toThrow(
      'chunk 2 failed',
    );
    // Item 2 failed while 1 and 3 ran on the other lanes; after it none took another.
    expect(started).toEqual([1, 2, 3]);
    expect([1, 2, 3].map(() => slots.tryTake())).toEqual([true, true, true]);
  });
});
