import type { ClientPlugin } from '@civicgrid/kernel';
import { PERMISSIONS } from '../common/index.ts';

/**
 * The bulletin's half in the admin app: its resources, menu group, pages (each loaded on demand, so
 * the module is its own chunk) and a dashboard widget. The shell shows them only while the tenant has
 * the module on and the user holds the permission.
 */
export const bulletinClient: ClientPlugin = {
  id: 'bulletin',
  menu: { group: { 'zh-CN': '公告栏', en: 'Notice board' }, icon: 'notification', order: 50 },
  resources: [
    { name: 'notices', label: { 'zh-CN': '通知公告', en: 'Notices' }, permission: PERMISSIONS.read },
    { name: 'tallies', label: { 'zh-CN': '月度统计', en: 'Monthly tallies' }, permission: PERMISSIONS.tally },
  ],
  routes: [
    { path: '/m/bulletin/notices', load: () => import('./notices.tsx') },
    { path: '/m/bulletin/tallies', load: () => import('./tallies.tsx') },
  ],
  widgets: [
    {
      key: 'recent',
      title: { 'zh-CN': '最新公告', en: 'Latest notices' },
      permission: PERMISSIONS.read,
      load: () => import('./widget.tsx'),
    },
  ],
  messages: {
    'zh-CN': {
      'notices.label': '通知公告',
      'tallies.label': '月度统计',
      'notices.title': '标题',
      'notices.body': '内容',
      'notices.unit': '发布范围',
      'notices.createdAt': '发布时间',
      'notices.post': '发布公告',
      'notices.posted': '公告已发布',
      'notices.none': '暂无公告',
      'tallies.period': '月份',
      'tallies.unit': '组织单元',
      'tallies.notices': '公告数',
      'settings.titleMaxLength': '标题最大长度',
      'settings.signature': '落款',
    },
    en: {
      'notices.label': 'Notices',
      'tallies.label': 'Monthly tallies',
      'notices.title': 'Title',
      'notices.body': 'Body',
      'notices.unit': 'Posted on',
      'notices.createdAt': 'Posted at',
      'notices.post': 'Post a notice',
      'notices.posted': 'Notice posted',
      'notices.none': 'No notices yet',
      'tallies.period': 'Month',
      'tallies.unit': 'Org unit',
      'tallies.notices': 'Notices',
      'settings.titleMaxLength': 'Title length limit',
      'settings.signature': 'Signature',
    },
  },
};
