import { may, session } from '@civicgrid/admin-kit';
import { useMe } from '@civicgrid/admin-ui';
import { useTranslate } from '@refinedev/core';
import { Typography } from 'antd';
import { ModuleCatalogue } from '../components/module-catalogue.tsx';

/** The installed modules with this tenant's state: switch one on or off, edit its settings. */
export default function ModulesPage() {
  const t = useTranslate();
  const me = useMe();
  return (
    <>
      <Typography.Title level={4}>{t('menu.modules')}</Typography.Title>
      <ModuleCatalogue
        base="/modules"
        canManage={may(me, 'core.module.manage')}
        // The menu follows: /me lists the tenant's enabled modules.
        onSwitched={() => session.reload()}
      />
    </>
  );
}
