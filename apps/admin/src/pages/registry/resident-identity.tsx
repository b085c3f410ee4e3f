import { api } from '@civicgrid/admin-kit';
import { useTranslate } from '@refinedev/core';
import { App, Button, Card, Descriptions, Space, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useDate } from '../../components/list.tsx';
import { errorText } from './errors.ts';
import type { ResidentDetail, Rights } from './resident-detail.tsx';

type Field = 'idNumber' | 'phone';

/**
 * A resident's personal data as the server gives it: ID number and phone masked. "Show" asks for one
 * full value (POST /residents/:id/reveal): it needs registry.pii.read where she lives and the server
 * writes who saw it to the audit log (never the value). The value stays on this page only.
 */
export function IdentityCard({
  r,
  rights,
  unitName,
}: {
  r: ResidentDetail;
  rights: Rights;
  unitName?: string;
}) {
  const t = useTranslate();
  const date = useDate();
  const { message, modal } = App.useApp();
  const [shown, setShown] = useState<Partial<Record<Field, string>>>({});

  const reveal = (field: Field) =>
    modal.confirm({
      title: t('residents.revealConfirm'),
      content: t('residents.revealAudited'),
      okText: t('residents.reveal'),
      cancelText: t('buttons.cancel'),
      onOk: async () => {
        try {
          const { value } = await api<{ value: string | null }>(`/residents/${r.id}/reveal`, {
            method: 'POST',
            body: { field },
          });
          setShown((s) => ({ ...s, [field]: value ?? '—' }));
        } catch (err) {
          void message.error(errorText(t, err));
        }
      },
    });

  const masked = (field: Field) => {
    const open = shown[field];
    if (open)
      return (
        <Typography.Text copyable data-testid={`revealed-${field}`}>
          {open}
        </Typography.Text>
      );
    const v = r[field];
    return (
      <Space size={4} wrap>
        <span data-testid={`masked-${field}`}>{v ?? '—'}</span>
        {v && rights.pii && (
          <Button size="small" type="link" onClick={() => reveal(field)} data-testid={`reveal-${field}`}>
            {t('residents.reveal')}
          </Button>
        )}
      </Space>
    );
  };

  return (
    <Card size="small" title={t('residents.personal')} data-testid="resident-identity">
      <Descriptions size="small" column={1} bordered>
        <Descriptions.Item label={t('residents.name')}>{r.name}</Descriptions.Item>
        <Descriptions.Item label={t('residents.gender')}>
          {t(`residents.genders.${r.gender}`)}
        </Descriptions.Item>
        <Descriptions.Item label={t('residents.birthDate')}>{r.birthDate}</Descriptions.Item>
        <Descriptions.Item label={t('residents.idType')}>
          {t(`residents.idTypes.${r.idType}`)}
        </Descriptions.Item>
        <Descriptions.Item label={t('residents.idNumber')}>{masked('idNumber')}</Descriptions.Item>
        {r.nationality && (
          <Descriptions.Item label={t('residents.nationality')}>{r.nationality}</Descriptions.Item>
        )}
        <Descriptions.Item label={t('residents.phone')}>{masked('phone')}</Descriptions.Item>
        <Descriptions.Item label={t('residents.registration')}>
          <Tag data-testid="resident-registration">{t(`residents.registrations.${r.registration}`)}</Tag>
        </Descriptions.Item>
        <Descriptions.Item label={t('registry.unit')}>{unitName ?? '…'}</Descriptions.Item>
        <Descriptions.Item label={t('common.createdAt')}>{date(r.createdAt)}</Descriptions.Item>
      </Descriptions>
    </Card>
  );
}
