import {
  AlertOutlined,
  ApartmentOutlined,
  AppstoreOutlined,
  AuditOutlined,
  CloudServerOutlined,
  DashboardOutlined,
  HomeOutlined,
  KeyOutlined,
  NotificationOutlined,
  SafetyOutlined,
  SettingOutlined,
  ShopOutlined,
  TeamOutlined,
  UploadOutlined,
  UserOutlined,
} from '@ant-design/icons';
import type { ReactNode } from 'react';

/** Menu icons by name: the core's by resource, a plugin's by the name its menu declares. */
export const ICONS: Record<string, ReactNode> = {
  dashboard: <DashboardOutlined />,
  'org-units': <ApartmentOutlined />,
  users: <UserOutlined />,
  grants: <KeyOutlined />,
  roles: <SafetyOutlined />,
  registry: <TeamOutlined />,
  residents: <TeamOutlined />,
  houses: <HomeOutlined />,
  shops: <ShopOutlined />,
  'residents-import': <UploadOutlined />,
  system: <SettingOutlined />,
  modules: <AppstoreOutlined />,
  'job-runs': <CloudServerOutlined />,
  'audit-log': <AuditOutlined />,
  'platform/tenants': <CloudServerOutlined />,
  notification: <NotificationOutlined />,
  events: <AlertOutlined />,
};
