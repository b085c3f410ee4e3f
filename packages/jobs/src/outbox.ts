import type { Database, Tx } from '@civicgrid/db';
import type { EventPublisher, EventRef, JobLogger, PluginHost } from '@civicgrid/kernel';
import pg from 'pg';
import type { Producer } from './producer.ts';

/** Publishing writes an outbox row in the caller's tenant transaction: no commit, no event. */
export const outboxPublisher: EventPublisher = {
  async publish<P extends object>(tx: Tx, ref: EventRef<P>, payload: P): Promise<void> {
    if (!tx.tenantId) throw new Error('events are published in a tenant transaction');
    await tx.query(
      'insert into event_outbox (tenant_id, type, payload) values (?, ?, ?::jsonb)',
      [tx.tenantId, ref.type, JSON.stringify(payload)],
      { prepare: true },
    );
  },
};

const CHANNEL = 'civicgrid_outbox';
const BATCH = 200;
/**
 * An event no installed plugin subscribes to is marked relayed (nobody to deliver to) only once it is
 * this old. A worker whose plugins do subscribe relays it within a second, so a worker still running an
 * older plugin list (a rolling deploy) does not swallow a newer plugin's events.
 */
const UNCLAIMED_AFTER_S = 60;

/**
 * Moves committed outbox rows onto the subscribers' queues. It wakes on the NOTIFY each insert sends
 * at commit, and sweeps `outbox_pending` at start and every few seconds for what no notification
 * reached (no worker was listening, or the connection dropped). Several relays may run at once:
 * rows are claimed with SKIP LOCKED, and a row relayed twice yields the same job id.
 */
export class OutboxRelay {
  #listener?: pg.Client;
  #sweepTimer?: NodeJS.Timeout;
  #reconnectTimer?: NodeJS.Timeout;
  #stopped = false;
  /** Tenants notified while a pass runs: drained one at a time, each at most once per pass. */
  readonly #due = new Set<string>();
  #draining?: Promise<void>;
  #running = false;
  /** Event types some installed plugin subscribes to. */
  readonly #subscribed: string[];

  constructor(
    readonly host: PluginHost,
    readonly db: Database,
    readonly producer: Producer,
    readonly log: JobLogger,
    readonly opts: { listenUrl: string; sweepMs: number },
  ) {
    this.#subscribed = [
      ...new Set(host.plugins.flatMap((p) => (p.subscriptions ?? []).map((x) => x.event.type))),
    ];
  }

  async start(): Promise<void> {
    await this.#listen();
    await this.sweep();
    this.#sweepTimer = setInterval(() => void this.sweep(), this.opts.sweepMs);
    this.#sweepTimer.unref();
  }

  async #listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.opts.listenUrl, keepAlive: true });
    const retry = (err?: Error) => {
      if (this.#stopped || this.#listener !== client) return;
      this.log.warn({ err: err?.message }, 'outbox listener lost; reconnecting');
      this.#listener = undefined;
      client.end().catch(() => {});
      this.#reconnectTimer = setTimeout(() => {
        // Whatever was notified while deaf is found by the sweep right after.
        this.#listen()
          .then(() => this.sweep())
          .catch((e: Error) => retry(e));
      }, 1000);
      this.#reconnectTimer.unref();
    };
    client.on('error', retry);
    client.on('end', () => retry());
    client.on('notification', (n) => {
      if (n.payload) this.#enqueue([n.payload]);
    });
    this.#listener = client;
    await client.connect();
    await client.query(`listen ${CHANNEL}`);
  }

  /** Relays every tenant that has pending rows. */
  async sweep(): Promise<void> {
    if (this.#stopped) return;
    try {
      const rows = await this.db.withPlatform((tx) =>
        tx.query<{ tenant_id: string }>('select distinct tenant_id from outbox_pending limit 1000'),
      );
      this.#enqueue(rows.map((r) => r.tenant_id));
      await this.#draining;
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'outbox sweep failed');
    }
  }

  #enqueue(tenants: string[]) {
    for (const t of tenants) this.#due.add(t);
    if (this.#running || !this.#due.size) return;
    this.#running = true;
    this.#draining = this.#drain();
  }

  async #drain(): Promise<void> {
    try {
      while (this.#due.size && !this.#stopped) {
        const [tenantId] = this.#due;
        this.#due.delete(tenantId!);
        try {
          await this.relayTenant(tenantId!);
        } catch (err) {
          // Left pending: the next sweep tries again.
          this.log.error({ tenantId, err: (err as Error).message }, 'outbox relay failed');
        }
      }
    } finally {
      // Cleared in the same turn as the last emptiness check, so a tenant added later starts a new pass.
      this.#running = false;
    }
  }

  /** Queues one delivery per (event, subscriber plugin) and marks the rows relayed, batch by batch. */
  async relayTenant(tenantId: string): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.db.withTenant(tenantId, async (tx) => {
        const rows = await tx.query<{ id: string; type: string }>(
          `select id, type from event_outbox where tenant_id = ? and relayed_at is null
             and (type = any(?::text[]) or created_at < clock_timestamp() - interval '${UNCLAIMED_AFTER_S} seconds')
           order by created_at limit ${BATCH} for update skip locked`,
          [tenantId, this.#subscribed],
        );
        if (!rows.length) return 0;
        for (const row of rows) {
          const plugins = new Set(this.host.subscribers(row.type).map((s) => s.plugin));
          for (const plugin of plugins) await this.producer.enqueueDelivery(tx, plugin, row.type, row.id);
        }
        const ids = rows.map((r) => r.id);
        await tx.query(
          'update event_outbox set relayed_at = now() where tenant_id = ? and id = any(?::uuid[])',
          [tenantId, ids],
        );
        await tx.query('delete from outbox_pending where tenant_id = ? and outbox_id = any(?::uuid[])', [
          tenantId,
          ids,
        ]);
        return rows.length;
      });
      total += n;
      if (n < BATCH) return total;
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#sweepTimer);
    clearTimeout(this.#reconnectTimer);
    await this.#draining?.catch(() => {});
    const l = this.#listener;
    this.#listener = undefined;
    await l?.end().catch(() => {});
  }
}
