import { eventRef } from '@civicgrid/kernel';

/** How an event came in (接诉即办: `hotline` is a 12345 work order). */
export const CHANNELS = ['grid-worker', 'resident', 'hotline', 'walk-in', 'other'] as const;
export type Channel = (typeof CHANNELS)[number];

/** 分色治理: each colour has its own time limits. */
export const URGENCIES = ['red', 'orange', 'yellow', 'green'] as const;
export type Urgency = (typeof URGENCIES)[number];

export const STATUSES = [
  'reported',
  'accepted',
  'handled',
  'escalated',
  'resolved',
  'verified',
  'closed',
  'returned',
  'merged',
] as const;
export type Status = (typeof STATUSES)[number];

/** The escalation ladder below the departments: grid → community → joint meeting (大党委) → street. */
export const LEVELS = ['grid', 'community', 'joint-meeting', 'street'] as const;
export type Level = (typeof LEVELS)[number];

/** The stages a tenant sets limits for, per urgency (minutes). */
export const STAGES = ['accept', 'dispatch', 'handle', 'feedback'] as const;
export type Stage = (typeof STAGES)[number];

export const SATISFACTIONS = ['satisfied', 'basically', 'unsatisfied'] as const;
export type Satisfaction = (typeof SATISFACTIONS)[number];

export const PERMISSIONS = {
  read: 'events.event.read',
  create: 'events.event.create',
  handle: 'events.event.handle',
  escalate: 'events.event.escalate',
  merge: 'events.event.merge',
  verify: 'events.event.verify',
  approveExtension: 'events.extension.approve',
  whistle: 'events.whistle.create',
  reportIn: 'events.whistle.report',
  categories: 'events.category.manage',
  metrics: 'events.metrics.read',
  hotline: 'events.hotline.import',
} as const;

/** Payloads carry ids only: the outbox and the queues have no row-level security. */
export const eventReported = eventRef<{ eventId: string; orgUnitId: string }>('events.reported');
export const eventEscalated = eventRef<{ eventId: string; level: Level; automatic: boolean }>(
  'events.escalated',
);
export const eventWhistled = eventRef<{ eventId: string; orgUnitIds: string[] }>('events.whistled');
export const eventClosed = eventRef<{ eventId: string }>('events.closed');

/**
 * An event's fields, with its times as `T`: `Date` as the server reads them from SQL, `string` (ISO)
 * as the API sends them to the admin.
 */
export interface EventFields<T = string> {
  id: string;
  title: string;
  description: string;
  categoryId: string;
  channel: string;
  urgency: Urgency;
  orgUnitId: string;
  houseId: string | null;
  lat: number | null;
  lng: number | null;
  reporterId: string | null;
  externalRef: string | null;
  status: Status;
  level: Level;
  handlerUnitId: string;
  mergedInto: string | null;
  reopenCount: number;
  returnReason: string | null;
  supervision: 'yellow' | 'red' | null;
  createdAt: T;
  acceptDueAt: T;
  resolveDueAt: T;
}

/** What `GET /m/events/events/:id/context` answers: the names an event's page shows and what she may do now. */
export interface EventContext {
  location: { id: string; name: string; path: string[] };
  handler: { id: string; name: string };
  category: { name: string; domain: string };
  createdByName: string | null;
  /** Names of the units the event and its whistles mention, by id. */
  units: Record<string, string>;
  /** The actions she may take now, and the whistles she may report in on. */
  actions: string[];
  reportIn: string[];
  pendingExtension: { id: string; minutes: number; reason: string } | null;
}
