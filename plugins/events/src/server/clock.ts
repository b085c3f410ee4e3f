/**
 * The module's one source of "now". Every timestamp the workflow writes and every deadline it checks
 * comes from here (passed to SQL as a parameter, never `now()`), so tests move time forward by setting
 * the clock instead of sleeping. Production never sets it.
 */
let current: () => Date = () => new Date();

export const clock = {
  now: (): Date => current(),
  /** Tests only: a fixed or advancing clock. */
  set(fn: () => Date): void {
    current = fn;
  },
  reset(): void {
    current = () => new Date();
  },
};
