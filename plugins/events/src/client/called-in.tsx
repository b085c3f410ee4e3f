import { Inbox } from './inbox.tsx';

/** Department staff's inbox: the events whistled to their department, newest first. */
export default function CalledInPage() {
  return <Inbox calledIn />;
}
