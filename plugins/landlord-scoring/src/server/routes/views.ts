import { Type } from 'typebox';

/** Response shapes of the reading routes (the OpenAPI document lists them; serialization follows them). */
const Str = Type.String();
const OptStr = Type.Union([Type.String(), Type.Null()]);
const Int = Type.Integer();

export const FileView = Type.Object({
  id: Str,
  kind: Str,
  name: Str,
  personId: OptStr,
  shopId: OptStr,
  orgUnitId: Str,
  /** the landlord's own login (a tenant user), when she has one */
  accountId: OptStr,
  registeredOn: Str,
  year: Int,
  base: Int,
  /** the settings' yellow-flag threshold (at or below), for the file's chart */
  yellowFlagAt: Int,
  deductions: Int,
  bonuses: Int,
  score: Int,
  flags: Type.Union([
    Type.Object({ period: Str, flag: OptStr, improvementClass: Type.Boolean(), referral: Type.Boolean() }),
    Type.Null(),
  ]),
  records: Type.Array(
    Type.Object({
      id: Str,
      itemCode: Str,
      itemTitleZh: Str,
      itemTitleEn: Str,
      ruleVersionId: Str,
      effect: Str,
      points: Int,
      occurredOn: Str,
      note: OptStr,
      witness: OptStr,
      recordedBy: Str,
      createdAt: OptStr,
      voided: Type.Boolean(),
      voidReason: OptStr,
      appealState: OptStr,
      /** evidence photos on the record */
      photos: Int,
      /** the visit that found it (a tenant undeclared), its evidence */
      visitId: OptStr,
    }),
  ),
  assessments: Type.Array(
    Type.Object({
      period: Str,
      score: Int,
      flag: OptStr,
      improvementClass: Type.Boolean(),
      referral: Type.Boolean(),
    }),
  ),
  classes: Type.Array(Type.Object({ classMonth: Str, period: Str, attendedOn: OptStr })),
  houses: Type.Array(Type.Object({ houseId: Str, address: Str, since: Str, until: OptStr })),
  /** living there now: verified on a visit (`declared`), of them self-declared, declared by the landlord */
  tenants: Type.Object({ declared: Int, selfDeclared: Int, current: Int, landlordDeclared: Int }),
  history: Type.Array(Type.Object({ year: Int, deductions: Int, bonuses: Int, score: Int })),
});

const ItemView = Type.Object({
  id: Str,
  code: Str,
  titleZh: Str,
  titleEn: Str,
  effect: Str,
  points: Int,
  monthlyCap: Type.Union([Int, Type.Null()]),
});
export const CatalogueView = Type.Object({
  id: Str,
  kind: Str,
  effectiveFrom: Str,
  note: OptStr,
  categories: Type.Array(Type.Object({ code: Str, titleZh: Str, titleEn: Str, items: Type.Array(ItemView) })),
});
export const VersionView = Type.Object({ id: Str, effectiveFrom: Str, note: OptStr, createdBy: OptStr });

export const RateView = Type.Object({
  orgUnitId: Str,
  name: Str,
  on: Str,
  verified: Int,
  selfDeclared: Int,
  selfDeclarationRate: Type.Union([Type.Number(), Type.Null()]),
});
