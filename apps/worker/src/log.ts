import type { JobLogger } from '@civicgrid/kernel';

const LEVELS = { debug: 20, info: 30, warn: 40, error: 50, silent: 100 } as const;
type Level = keyof typeof LEVELS;

/** One JSON object per line on stdout (as the API's pino logs), at or above `level`. */
export function jsonLogger(level: string = 'info'): JobLogger {
  const min = LEVELS[(level in LEVELS ? level : 'info') as Level];
  const line = (lvl: Exclude<Level, 'silent'>) => (obj: object, msg?: string) => {
    if (LEVELS[lvl] < min) return;
    process.stdout.write(
      `${JSON.stringify({ level: LEVELS[lvl], time: Date.now(), pid: process.pid, name: 'worker', ...obj, msg })}\n`,
    );
  };
  return { info: line('info'), warn: line('warn'), error: line('error') };
}
