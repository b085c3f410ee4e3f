/** Names shared by the producer (API) and the worker; changing one strands queued jobs. */

/** One queue per plugin: a slow plugin's backlog never delays another's. */
export const queueName = (pluginId: string) => pluginId;

/** `<plugin>-<job>-<tenantId>`: no colons (BullMQ reserves them in ids). */
export const schedulerId = (pluginId: string, job: string, tenantId: string) =>
  `${pluginId}-${job}-${tenantId}`;

/** Job name of an event delivery in the subscriber's queue; a job definition's name has no colon. */
export const EVENT_JOB_PREFIX = 'on:';
export const eventJobName = (type: string) => `${EVENT_JOB_PREFIX}${type}`;

/** One delivery job per (event, subscriber plugin): its queue is the plugin's, so the event id suffices. */
export const deliveryJobId = (outboxId: string) => `evt-${outboxId}`;

/** A scheduler's job id is `repeat:<schedulerId>:<due ms>`: the due moment of that firing. */
export function dueFromJobId(jobId: string | undefined): Date | null {
  const m = /^repeat:.+:(\d+)$/.exec(jobId ?? '');
  return m ? new Date(Number(m[1])) : null;
}
