import type { Tx } from '@civicgrid/db';
import { eventRef, serviceRef } from '@civicgrid/kernel';

/** Published when a notice is posted; subscribers get ids only. */
export const noticePosted = eventRef<{ noticeId: string; orgUnitId: string }>('bulletin.posted');

/** What the bulletin module offers other modules. */
export interface BulletinNotices {
  /** Notices posted on a unit (the unit itself, not its subtree). */
  countOn(tx: Tx, orgUnitId: string): Promise<number>;
}
export const bulletinNotices = serviceRef<BulletinNotices>('bulletin.notices');

export const PERMISSIONS = {
  read: 'bulletin.notice.read',
  post: 'bulletin.notice.create',
  remove: 'bulletin.notice.delete',
  tally: 'bulletin.tally.read',
} as const;

/** The named condition `own`: a role holding `bulletin.notice.delete?own` removes only what she posted. */
export const OWN = 'own';
