import { session } from '@civicgrid/admin-kit';
import { useSyncExternalStore } from 'react';

/** The signed-in user (`/me`), re-rendering when the session changes (a module switched, a re-login). */
export const useMe = () => useSyncExternalStore(session.subscribe, session.snapshot);

/** antd's `sm` breakpoint: below it lists become cards and details and forms one column. */
const PHONE = '(max-width: 575.98px)';
const subscribe = (fn: () => void) => {
  const m = window.matchMedia(PHONE);
  m.addEventListener('change', fn);
  return () => m.removeEventListener('change', fn);
};
/**
 * True on a phone-sized screen (width < 576 px), following rotation and resizing. Read from the media
 * query itself, so the first render already has the right layout (antd's useBreakpoint starts empty).
 */
export const useIsPhone = () => useSyncExternalStore(subscribe, () => window.matchMedia(PHONE).matches);
