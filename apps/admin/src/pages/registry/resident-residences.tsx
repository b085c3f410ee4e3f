import { api, tenantToday } from '@civicgrid/admin-kit';
import { type OrgUnit, OrgUnitPicker } from '@civicgrid/admin-ui';
import { useTranslate } from '@refinedev/core';
import { App, Button, Card, DatePicker, Form, List, Modal, Space, Tag } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useState } from 'react';
import { showOnFields } from './errors.ts';
import { HousePicker } from './pickers.tsx';
import type { House } from './places.tsx';
import type { ResidentDetail, Rights } from './resident-detail.tsx';
import { useRecord } from './shared.tsx';

type Residence = ResidentDetail['residences'][number];

/** Where one residence was: the house's address, or the unit's name when there is no house. */
function Place({ residence }: { residence: Residence }) {
  const house = useRecord<House>(residence.houseId ? `/houses/${residence.houseId}` : null);
  const unit = useRecord<OrgUnit>(`/org-units/${residence.orgUnitId}`);
  return (
    <span data-testid="residence-place">
      {house?.address ?? ''}
      {house && unit ? ' · ' : ''}
      {unit?.name ?? (house ? '' : '…')}
    </span>
  );
}

type Move = 'in' | 'out' | null;

/**
 * Where the resident has lived, newest first: moving in ends the current residence and starts a new
 * one, moving out ends it (nothing is deleted). Both need registry.resident.manage where she lives.
 */
export function ResidencesCard({
  r,
  rights,
  onChanged,
}: {
  r: ResidentDetail;
  rights: Rights;
  onChanged: (r: ResidentDetail) => void;
}) {
  const t = useTranslate();
  const { message } = App.useApp();
  const [move, setMove] = useState<Move>(null);
  const [busy, setBusy] = useState(false);
  const [form] = Form.useForm<{ orgUnitId?: string; houseId?: string; date: Dayjs }>();
  const unit = Form.useWatch('orgUnitId', form);
  const current = r.residences.some((x) => !x.movedOut);
  const list = [...r.residences].sort((a, b) => b.movedIn.localeCompare(a.movedIn));

  const submit = async (v: { orgUnitId?: string; houseId?: string; date: Dayjs }) => {
    setBusy(true);
    try {
      const date = v.date.format('YYYY-MM-DD');
      const body =
        move === 'in'
          ? { date, ...(v.houseId ? { houseId: v.houseId } : { orgUnitId: v.orgUnitId }) }
          : { date };
      onChanged(await api<ResidentDetail>(`/residents/${r.id}/move-${move}`, { method: 'POST', body }));
      void message.success(t(move === 'in' ? 'residents.movedInOk' : 'residents.movedOutOk'));
      setMove(null);
    } catch (err) {
      const rest = showOnFields(form, t, err, ['orgUnitId', 'houseId', 'date']);
      if (rest) void message.error(rest);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card
      size="small"
      title={t('residents.residences')}
      data-testid="resident-residences"
      extra={
        rights.manage && (
          <Space size={4}>
            <Button size="small" onClick={() => setMove('in')} data-testid="move-in">
              {t('residents.moveIn')}
            </Button>
            {current && (
              <Button size="small" onClick={() => setMove('out')} data-testid="move-out">
                {t('residents.moveOut')}
              </Button>
            )}
          </Space>
        )
      }
    >
      <List
        size="small"
        dataSource={list}
        rowKey="id"
        locale={{ emptyText: t('common.noData') }}
        renderItem={(x) => (
          <List.Item>
            <List.Item.Meta
              title={<Place residence={x} />}
              description={`${x.movedIn} – ${x.movedOut ?? ''}`}
            />
            {!x.movedOut && <Tag color="green">{t('residents.current')}</Tag>}
          </List.Item>
        )}
      />
      <Modal
        open={move != null}
        title={t(move === 'in' ? 'residents.moveIn' : 'residents.moveOut')}
        onCancel={() => setMove(null)}
        onOk={() => form.submit()}
        okText={t('buttons.save')}
        cancelText={t('buttons.cancel')}
        confirmLoading={busy}
        destroyOnHidden
      >
        <Form
          form={form}
          layout="vertical"
          preserve={false}
          onFinish={submit}
          initialValues={{ date: dayjs(tenantToday()) }}
        >
          {move === 'in' && (
            <>
              <Form.Item name="orgUnitId" label={t('residents.unit')} extra={t('residents.unitHelp')}>
                <OrgUnitPicker id="move-orgUnitId" />
              </Form.Item>
              <Form.Item name="houseId" label={t('residents.house')}>
                <HousePicker id="move-houseId" under={unit} />
              </Form.Item>
            </>
          )}
          <Form.Item
            name="date"
            label={t('residents.moveDate')}
            rules={[{ required: true, message: t('common.required') }]}
          >
            <DatePicker id="move-date" style={{ width: '100%' }} />
          </Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}
