/** The data and the hand-written baselines of `pnpm bench events` (tests/bench/events.ts). */
import type pg from 'pg';

/** In one owner transaction with the tenant set (row-level security binds the owner too). */
async function asTenant<T>(owner: pg.Client, tenantId: string, fn: () => Promise<T>): Promise<T> {
  await owner.query('begin');
  try {
    await owner.query(`select set_config('app.tenant_id', $1, true)`, [tenantId]);
    const out = await fn();
    await owner.query('commit');
    return out;
  } catch (err) {
    await owner.query('rollback');
    throw err;
  }
}

/**
 * `n` events over the year before `now`, spread evenly, on the grids round-robin (by a stride, so
 * neighbours differ), every category type and urgency. Older than 20 days: closed, every second with a
 * follow-up verdict (one in six unsatisfied), every tenth escalated once. Younger: open in every status,
 * each with its stage's deadline. The verdict and the escalation count are written on the event as the
 * module keeps them, so the insert trigger fills the rollup `events_unit_day` as it goes.
 */
export async function generateEvents(
  owner: pg.Client,
  tenantId: string,
  grids: string[],
  n: number,
  now: Date,
  log: (m: string) => void,
) {
  return asTenant(owner, tenantId, async () => {
    const cats = (
      await owner.query<{ id: string }>(
        `select id from events_category where tenant_id = $1 and parent_id is not null order by code`,
        [tenantId],
      )
    ).rows.map((r) => r.id);
    const batch = 250_000;
    for (let lo = 1; lo <= n; lo += batch) {
      const hi = Math.min(n, lo + batch - 1);
      await owner.query(
        `insert into events_event (tenant_id, title, category_id, channel, urgency, org_unit_id, status, level,
           handler_unit_id, created_at, accepted_at, handled_at, resolved_at, verified_at, closed_at,
           accept_due_at, resolve_due_at, satisfaction, escalations)
         select $1, '事件 ' || i, ($2::uuid[])[1 + i % cardinality($2::uuid[])], 'grid-worker',
                (array['red', 'orange', 'yellow', 'green'])[1 + (i * 7) % 4], g, st, 'grid', g, c,
                case when st <> 'reported' and st <> 'escalated' then c + make_interval(mins => (i * 13) % 180) end,
                case when st in ('handled', 'resolved', 'closed') then c + make_interval(mins => 200 + (i * 17) % 2000) end,
                case when st in ('resolved', 'closed') then c + make_interval(mins => 300 + (i * 17) % 2000) end,
                case when st = 'closed' then c + make_interval(mins => 3000 + (i * 17) % 2000) end,
                case when st = 'closed' then c + make_interval(mins => 3100 + (i * 17) % 2000) end,
                c + interval '120 minutes', c + interval '1560 minutes',
                case when st = 'closed' and i % 2 = 0 then (array['satisfied', 'satisfied', 'basically', 'satisfied',
                  'basically', 'unsatisfied'])[1 + (i / 2) % 6] end,
                (i % 10 = 3)::int
           from generate_series($4::int, $5::int) i
           cross join lateral (select ($3::uuid[])[1 + (i * 31) % cardinality($3::uuid[])] as g,
                                      $6::timestamptz - interval '365 days' + (i::float8 / $7) * interval '365 days' as c) x
           cross join lateral (select case when c > $6::timestamptz - interval '20 days'
                                 then (array['reported', 'accepted', 'escalated', 'handled', 'resolved'])[1 + i % 5]
                                 else 'closed' end as st) y`,
        [tenantId, cats, grids, lo, hi, now, n],
      );
      log(`events ${hi.toLocaleString('en')} / ${n.toLocaleString('en')}`);
    }
    await owner.query(
      `insert into events_follow_up (tenant_id, event_id, satisfaction, at)
       select tenant_id, id, satisfaction, verified_at
         from events_event where tenant_id = $1 and satisfaction is not null`,
      [tenantId],
    );
    await owner.query(
      `insert into events_timeline (tenant_id, event_id, at, actor_name, action, from_status, to_status, from_level, to_level)
       select tenant_id, id, created_at + interval '1 hour', '系统', 'escalate', 'reported', 'escalated', 'grid', 'community'
         from events_event where tenant_id = $1 and escalations = 1`,
      [tenantId],
    );
    await owner.query(
      `insert into events_deadline (tenant_id, event_id, stage, due_at)
       select tenant_id, id, case status when 'reported' then 'accept' when 'escalated' then 'dispatch'
                                 when 'resolved' then 'feedback' else 'handle' end,
              created_at + interval '1560 minutes'
         from events_event where tenant_id = $1 and status in ('reported', 'accepted', 'escalated', 'resolved')`,
      [tenantId],
    );
    const { rows } = await owner.query(
      `select (select count(*) from events_event where tenant_id = $1)::int as events,
              (select count(*) from events_event where tenant_id = $1 and status <> 'closed')::int as open,
              (select count(*) from events_follow_up where tenant_id = $1)::int as "followUps",
              (select count(*) from events_timeline where tenant_id = $1)::int as timeline,
              (select count(*) from events_deadline where tenant_id = $1)::int as deadlines`,
      [tenantId],
    );
    return rows[0] as Record<string, number>;
  });
}

/** `n` more open (reported, yellow) events, each with an accept deadline due from `firstDue` over `windowS`. */
export async function generateOpenDeadlines(
  owner: pg.Client,
  tenantId: string,
  grids: string[],
  n: number,
  firstDue: number,
  windowS: number,
) {
  return asTenant(owner, tenantId, async () => {
    const first = new Date(firstDue);
    const { rows } = await owner.query<{ id: string; due: Date }>(
      `with ev as (
         insert into events_event (tenant_id, title, category_id, channel, urgency, org_unit_id, status, level,
           handler_unit_id, created_at, accept_due_at, resolve_due_at)
         select $1, '时限 ' || i, (select id from events_category where tenant_id = $1 and parent_id is not null
                                   order by code limit 1),
                'resident', 'yellow', g, 'reported', 'grid', g, d - interval '120 minutes', d, d + interval '1440 minutes'
           from generate_series(1, $2::int) i
           cross join lateral (select ($3::uuid[])[1 + (i * 31) % cardinality($3::uuid[])] as g,
                                      $4::timestamptz + ((i - 1)::float8 / $2) * make_interval(secs => $5) as d) x
         returning tenant_id, id, accept_due_at)
       insert into events_deadline (tenant_id, event_id, stage, due_at)
       select tenant_id, id, 'accept', accept_due_at from ev
       returning id, due_at as due`,
      [tenantId, n, grids, first, windowS],
    );
    return rows.map((r) => ({ id: r.id, due: new Date(r.due).getTime() }));
  });
}

/** "My tasks" by hand: open events standing on her grid, by urgency then next deadline; page and capped count. */
export const BARE_MY_TASKS = {
  page: `select e.*, (select min(d.due_at) from events_deadline d where d.tenant_id = e.tenant_id and d.event_id = e.id
                        and d.done_at is null and d.fired_at is null) as next_due
           from events_event e
          where e.tenant_id = $1 and e.handler_unit_id = $2 and e.status in ('reported', 'accepted', 'escalated', 'handled')
          order by array_position(array['red', 'orange', 'yellow', 'green'], e.urgency), next_due nulls last, e.id
          limit 20`,
  count: `select count(*) from (select 1 from events_event e where e.tenant_id = $1 and e.handler_unit_id = $2
            and e.status in ('reported', 'accepted', 'escalated', 'handled') limit 1001) x`,
};

/**
 * The street's three rates by hand, as the API reads them: the whole UTC days from the rollup
 * `events_unit_day`, the hours at the edges from the events (the same per-event shares), per location,
 * then summed into the street and each community. No scope, no departments' whistles. Parameters:
 * tenant, first and end day (ISO dates), the four edge bounds, the street's path range, the street.
 */
export const BARE_METRICS = `
  with per as (
    select l.path_key as loc, sum(r.reported) as reported, sum(r.responded_on_time) as responded,
           sum(r.resolved_on_time) as resolved, sum(r.followed_up) as followed, sum(r.satisfied) as satisfied,
           sum(r.accepted) as accepted, sum(r.accept_secs) as accept_secs
      from events_unit_day r join org_unit l on l.tenant_id = r.tenant_id and l.id = r.org_unit_id
     where r.tenant_id = $1 and r.day >= $2::date and r.day < $3::date and l.path_key >= $8 and l.path_key < $9
     group by l.path_key
    union all
    select l.path_key, sum(x.reported), sum(x.responded_on_time), sum(x.resolved_on_time), sum(x.followed_up),
           sum(x.satisfied), sum(x.accepted), sum(x.accept_secs)
      from events_event e cross join lateral events_measure(e.tenant_id, e.org_unit_id, e.status, e.created_at,
           e.accepted_at, e.accept_due_at, e.resolved_at, e.resolve_due_at, e.verified_at, e.satisfaction,
           e.escalations, e.cards) x
      join org_unit l on l.tenant_id = e.tenant_id and l.id = e.org_unit_id
     where e.tenant_id = $1 and (e.created_at >= $4 and e.created_at < $5 or e.created_at >= $6 and e.created_at < $7)
       and l.path_key >= $8 and l.path_key < $9
     group by l.path_key)
  select u.id, sum(per.reported) as reported, sum(per.responded) as responded, sum(per.resolved) as resolved,
         sum(per.followed) as followed, sum(per.satisfied) as satisfied,
         sum(per.accept_secs) / nullif(sum(per.accepted), 0) / 60 as accept_min
    from org_unit u
    left join per on per.loc >= u.path_key and per.loc < u.path_key || 'g'
   where u.tenant_id = $1 and (u.id = $10 or u.parent_id = $10)
   group by u.id`;
