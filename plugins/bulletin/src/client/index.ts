import type { ClientPlugin } from '@civicgrid/kernel';
import { PERMISSIONS } from '../common/index.ts';

/**
 * The bulletin's half in the admin app. Its pages arrive with the admin shell (issue #5); until then it
 * declares its resources, menu and messages so the shell can list it.
 */
export const bulletinClient: ClientPlugin = {
  id: 'bulletin',
  menu: { group: { 'zh-CN': '公告栏', en: 'Notice board' }, icon: 'notification', order: 50 },
  resources: [
    { name: 'notices', label: { 'zh-CN': '通知公告', en: 'Notices' }, permission: PERMISSIONS.read },
    { name: 'tallies', label: { 'zh-CN': '月度统计', en: 'Monthly tallies' }, permission: PERMISSIONS.tally },
  ],
  routes: [],
  messages: {
    'zh-CN': { 'notices.title': '标题', 'notices.body': '内容', 'tallies.period': '月份' },
    en: { 'notices.title': 'Title', 'notices.body': 'Body', 'tallies.period': 'Month' },
  },
};
