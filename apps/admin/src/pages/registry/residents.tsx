import { api, apiRaw, may } from '@civicgrid/admin-kit';
import { useTable } from '@refinedev/antd';
import { useTranslate } from '@refinedev/core';
import { App, Button, Input, Space, Table, Tag } from 'antd';
import { useState } from 'react';
import { Page } from '../../components/list.tsx';
import { useMe } from '../../components/org.tsx';

interface Resident {
  id: string;
  orgUnitId: string;
  name: string;
  gender: string;
  birthDate: string;
  idType: string;
  idNumber: string;
  phone: string | null;
  registration: string;
}

/**
 * Residents in the caller's scope with masked ID numbers and phones. "Show" asks the server for one
 * value (POST /residents/:id/reveal): it needs registry.pii.read there and is written to the audit log.
 */
export default function ResidentsPage() {
  const t = useTranslate();
  const me = useMe();
  const { message, modal } = App.useApp();
  const [q, setQ] = useState('');
  const [shown, setShown] = useState<Record<string, string>>({});
  const { tableProps } = useTable<Resident>({
    resource: 'residents',
    syncWithLocation: false,
    pagination: { pageSize: 20 },
    filters: { permanent: q ? [{ field: 'q', operator: 'eq', value: q }] : [] },
  });
  const canReveal = may(me, 'registry.pii.read');
  const [exporting, setExporting] = useState(false);

  /** The list as shown (masked, same search) as xlsx; the server writes the export to the audit log. */
  const exportList = async () => {
    setExporting(true);
    try {
      const res = await apiRaw('/residents/export.xlsx', { query: q ? { q } : {} });
      const a = document.createElement('a');
      a.href = URL.createObjectURL(await res.blob());
      a.download = 'residents.xlsx';
      a.click();
    } catch (err) {
      void message.error((err as Error).message);
    } finally {
      setExporting(false);
    }
  };

  const reveal = (r: Resident, field: 'idNumber' | 'phone') =>
    modal.confirm({
      title: t('residents.revealConfirm'),
      content: t('residents.revealAudited'),
      onOk: async () => {
        try {
          const { value } = await api<{ value: string | null }>(`/residents/${r.id}/reveal`, {
            method: 'POST',
            body: { field },
          });
          setShown((s) => ({ ...s, [`${r.id}:${field}`]: value ?? '—' }));
        } catch (err) {
          void message.error((err as Error).message);
        }
      },
    });

  const masked = (field: 'idNumber' | 'phone') => (v: string | null, r: Resident) => {
    const open = shown[`${r.id}:${field}`];
    if (open) return <span data-testid={`revealed-${field}`}>{open}</span>;
    return (
      <Space size={4}>
        <span>{v ?? '—'}</span>
        {v && canReveal && (
          <Button size="small" type="link" onClick={() => reveal(r, field)} data-testid={`reveal-${field}`}>
            {t('residents.reveal')}
          </Button>
        )}
      </Space>
    );
  };

  return (
    <Page
      title={t('menu.residents')}
      extra={
        <Space wrap>
          <Input.Search
            placeholder={t('residents.search')}
            allowClear
            onSearch={setQ}
            style={{ width: 220 }}
          />
          {may(me, 'registry.data.export') && (
            <Button onClick={exportList} loading={exporting} data-testid="residents-export">
              {t('residents.export')}
            </Button>
          )}
        </Space>
      }
    >
      <Table
        {...tableProps}
        rowKey="id"
        columns={[
          { title: t('residents.name'), dataIndex: 'name', sorter: true },
          { title: t('residents.gender'), dataIndex: 'gender', render: (g) => t(`residents.genders.${g}`) },
          { title: t('residents.birthDate'), dataIndex: 'birthDate', sorter: true },
          { title: t('residents.idNumber'), dataIndex: 'idNumber', render: masked('idNumber') },
          { title: t('residents.phone'), dataIndex: 'phone', render: masked('phone') },
          {
            title: t('residents.registration'),
            dataIndex: 'registration',
            render: (v) => <Tag>{t(`residents.registrations.${v}`)}</Tag>,
          },
        ]}
      />
    </Page>
  );
}
