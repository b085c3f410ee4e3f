import { Uuid } from '@civicgrid/http';
import { Type } from 'typebox';
import { CHANNELS, LEVELS, SATISFACTIONS, STATUSES, URGENCIES } from '../../common/index.ts';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const NStr = Nullable(Type.String());
const enumOf = (xs: readonly string[]) => Type.Union(xs.map((x) => Type.Literal(x)));
export const Text = (max: number, min = 0) =>
  Type.String({ minLength: min, maxLength: max, pattern: min ? '\\S' : undefined });

export const EventView = Type.Object({
  id: Type.String(),
  title: Type.String(),
  description: Type.String(),
  categoryId: Type.String(),
  channel: Type.String(),
  urgency: Type.String(),
  orgUnitId: Type.String(),
  houseId: NStr,
  lat: Type.Union([Type.Number(), Type.Null()]),
  lng: Type.Union([Type.Number(), Type.Null()]),
  reporterId: NStr,
  externalRef: NStr,
  status: Type.String(),
  level: Type.String(),
  handlerUnitId: Type.String(),
  mergedInto: NStr,
  reopenCount: Type.Integer(),
  returnReason: NStr,
  supervision: NStr,
  createdBy: NStr,
  createdAt: Type.String(),
  acceptedAt: NStr,
  handledAt: NStr,
  resolvedAt: NStr,
  verifiedAt: NStr,
  closedAt: NStr,
  acceptDueAt: Type.String(),
  resolveDueAt: Type.String(),
  nextDueAt: Type.Optional(NStr),
});

export const Duplicate = Type.Object({
  id: Type.String(),
  title: Type.String(),
  status: Type.String(),
  createdAt: Type.String(),
  distanceM: Type.Union([Type.Number(), Type.Null()]),
  sameBuilding: Type.Boolean(),
});

export const IntakeBody = Type.Object(
  {
    title: Text(200, 1),
    description: Type.Optional(Text(5000)),
    categoryId: Uuid,
    channel: enumOf(CHANNELS),
    urgency: enumOf(URGENCIES),
    orgUnitId: Uuid,
    houseId: Type.Optional(Uuid),
    lat: Type.Optional(Type.Number({ minimum: -90, maximum: 90 })),
    lng: Type.Optional(Type.Number({ minimum: -180, maximum: 180 })),
    reporterId: Type.Optional(Uuid),
  },
  { additionalProperties: false },
);

export const ListFilters = {
  status: Type.Optional(enumOf(STATUSES)),
  urgency: Type.Optional(enumOf(URGENCIES)),
  level: Type.Optional(enumOf(LEVELS)),
  channel: Type.Optional(enumOf(CHANNELS)),
  categoryId: Type.Optional(Uuid),
  /** the events of this unit's subtree */
  under: Type.Optional(Uuid),
  /** my tasks: open events standing on a unit where I handle */
  mine: Type.Optional(Type.Boolean()),
};

/** The transitions' bodies: each may name files already uploaded to the event (its timeline entry lists them). */
const attachmentIds = Type.Optional(Type.Array(Uuid, { maxItems: 20 }));
export const NoteBody = Type.Object(
  { note: Type.Optional(Text(2000)), attachmentIds },
  { additionalProperties: false },
);
export const ReasonBody = Type.Object(
  { reason: Text(500, 1), attachmentIds },
  { additionalProperties: false },
);
export const HandleBody = Type.Object(
  { note: Text(2000, 1), attachmentIds },
  { additionalProperties: false },
);
export const FollowUpBody = Type.Object(
  { satisfaction: enumOf(SATISFACTIONS), comment: Type.Optional(Text(2000)), attachmentIds },
  { additionalProperties: false },
);
export const MergeBody = Type.Object(
  { into: Uuid, note: Type.Optional(Text(2000)), attachmentIds },
  { additionalProperties: false },
);
export const ExtensionBody = Type.Object(
  { minutes: Type.Integer({ minimum: 1, maximum: 43200 }), reason: Text(500, 1) },
  { additionalProperties: false },
);
export const DecisionBody = Type.Object(
  { decision: enumOf(['approved', 'denied']), note: Type.Optional(Text(2000)) },
  { additionalProperties: false },
);
export const WhistleBody = Type.Object(
  {
    units: Type.Array(
      Type.Object({ orgUnitId: Uuid, part: Type.Optional(Text(500)) }, { additionalProperties: false }),
      { minItems: 1, maxItems: 20 },
    ),
    note: Type.Optional(Text(2000)),
  },
  { additionalProperties: false },
);
export const ReplyBody = Type.Object({ reply: Text(2000, 1) }, { additionalProperties: false });

export const TimelineEntry = Type.Object({
  id: Type.String(),
  eventId: Type.String(),
  at: Type.String(),
  actorId: NStr,
  actorName: Type.String(),
  action: Type.String(),
  fromStatus: NStr,
  toStatus: NStr,
  fromLevel: NStr,
  toLevel: NStr,
  note: Type.String(),
  data: Type.Record(Type.String(), Type.Unknown()),
});

export const WhistleView = Type.Object({
  id: Type.String(),
  eventId: Type.String(),
  kind: Type.String(),
  orgUnitId: Type.String(),
  part: Type.String(),
  calledAt: Type.String(),
  dueAt: Type.String(),
  reportedAt: NStr,
  reply: NStr,
  repliedAt: NStr,
  late: Type.Boolean(),
});
