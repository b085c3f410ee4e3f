import { api } from '@civicgrid/admin-kit';
import { type OrgUnit, OrgUnitPicker } from '@civicgrid/admin-ui';
import { useTranslate } from '@refinedev/core';
import { Form, Input, InputNumber, Select, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useParams } from 'react-router';
import { bodyOf, FormPage } from './form-page.tsx';
import { HousePicker, ResidentPicker } from './pickers.tsx';
import { HOUSE_USES, type House, type Shop } from './places.tsx';
import { useRecord } from './shared.tsx';

type Kind = 'houses' | 'shops';
type Values = Record<string, unknown>;
const HOUSE_FIELDS = [
  'orgUnitId',
  'address',
  'use',
  'floor',
  'area',
  'rooms',
  'occupancyCap',
  'escapeWindow',
  'ebikeCharging',
];
const SHOP_FIELDS = ['orgUnitId', 'name', 'houseId', 'licenceNo', 'businessStreet', 'operatorId'];

/** An edit sends every field (a cleared one as null); a create only what was filled in. */
const editBody = (v: Values) =>
  Object.fromEntries(Object.entries(v).map(([k, x]) => [k, x === undefined || x === '' ? null : x]));

/** The unit a place hangs on: picked when creating it, shown (not changeable) when editing it. */
function UnitField({ editing, orgUnitId, id }: { editing: boolean; orgUnitId?: string; id: string }) {
  const t = useTranslate();
  const unit = useRecord<OrgUnit>(editing && orgUnitId ? `/org-units/${orgUnitId}` : null);
  if (editing)
    return (
      <Form.Item label={t('registry.unit')}>
        <Typography.Text>{unit?.name ?? '…'}</Typography.Text>
      </Form.Item>
    );
  return (
    <Form.Item
      name="orgUnitId"
      label={t('registry.unit')}
      rules={[{ required: true, message: t('common.required') }]}
    >
      <OrgUnitPicker id={id} />
    </Form.Item>
  );
}

/** Loads the record being edited (none when creating). */
function useEditing<R>(kind: Kind, id: string | undefined) {
  const [record, setRecord] = useState<R | null>(null);
  useEffect(() => {
    if (id) void api<R>(`/${kind}/${id}`).then(setRecord, () => {});
  }, [kind, id]);
  return record;
}

/** Registers or edits a house: its unit (building, compound or grid), address, use and sizes. */
export function HouseForm() {
  const t = useTranslate();
  const { id } = useParams();
  const [form] = Form.useForm<Values>();
  const house = useEditing<House>('houses', id);
  const required = [{ required: true, message: t('common.required') }];
  const yesNo = [
    { value: true, label: t('common.yes') },
    { value: false, label: t('common.no') },
  ];
  const num = (name: string, min: number, max: number, precision = 0) => (
    <Form.Item name={name} label={t(`houses.${name}`)}>
      <InputNumber
        id={`house-${name}`}
        min={min}
        max={max}
        precision={precision}
        style={{ width: '100%' }}
        inputMode="decimal"
      />
    </Form.Item>
  );
  return (
    <FormPage<Values>
      title={t(id ? 'houses.edit' : 'houses.create')}
      testId="house-form"
      form={form}
      fields={HOUSE_FIELDS}
      loading={Boolean(id) && !house}
      initialValues={(house as Values | null) ?? { use: 'own-occupied' }}
      submit={async (v) => {
        if (id) await api(`/houses/${id}`, { method: 'PATCH', body: editBody(v) });
        else await api('/houses', { method: 'POST', body: bodyOf(v) });
        return '/registry/houses';
      }}
    >
      <UnitField editing={Boolean(id)} orgUnitId={house?.orgUnitId} id="house-orgUnitId" />
      <Form.Item name="address" label={t('houses.address')} rules={required}>
        <Input id="house-address" maxLength={200} />
      </Form.Item>
      <Form.Item name="use" label={t('houses.use')} rules={required}>
        <Select
          id="house-use"
          options={HOUSE_USES.map((u) => ({ value: u, label: t(`houses.uses.${u}`) }))}
        />
      </Form.Item>
      {num('floor', -10, 200)}
      {num('area', 0.01, 100_000, 2)}
      {num('rooms', 0, 500)}
      {num('occupancyCap', 0, 2000)}
      <Form.Item name="escapeWindow" label={t('houses.escapeWindow')}>
        <Select id="house-escapeWindow" allowClear options={yesNo} />
      </Form.Item>
      <Form.Item name="ebikeCharging" label={t('houses.ebikeCharging')}>
        <Select id="house-ebikeCharging" allowClear options={yesNo} />
      </Form.Item>
    </FormPage>
  );
}

/** Registers or edits a shop: its unit, name, the house it is in, licence number and operator. */
export function ShopForm() {
  const t = useTranslate();
  const { id } = useParams();
  const [form] = Form.useForm<Values>();
  const shop = useEditing<Shop>('shops', id);
  const unit = Form.useWatch('orgUnitId', form) as string | undefined;
  return (
    <FormPage<Values>
      title={t(id ? 'shops.edit' : 'shops.create')}
      testId="shop-form"
      form={form}
      fields={SHOP_FIELDS}
      loading={Boolean(id) && !shop}
      initialValues={(shop as Values | null) ?? {}}
      submit={async (v) => {
        const body = {
          ...v,
          licenceNo: typeof v.licenceNo === 'string' ? v.licenceNo.trim().toUpperCase() : v.licenceNo,
        };
        if (id) await api(`/shops/${id}`, { method: 'PATCH', body: editBody(body) });
        else await api('/shops', { method: 'POST', body: bodyOf(body) });
        return '/registry/shops';
      }}
    >
      <UnitField editing={Boolean(id)} orgUnitId={shop?.orgUnitId} id="shop-orgUnitId" />
      <Form.Item
        name="name"
        label={t('shops.name')}
        rules={[{ required: true, message: t('common.required') }]}
      >
        <Input id="shop-name" maxLength={100} />
      </Form.Item>
      <Form.Item name="houseId" label={t('shops.house')}>
        <HousePicker id="shop-houseId" under={unit} />
      </Form.Item>
      <Form.Item name="licenceNo" label={t('shops.licenceNo')} extra={t('shops.licenceHelp')}>
        <Input id="shop-licenceNo" maxLength={18} />
      </Form.Item>
      <Form.Item name="businessStreet" label={t('shops.businessStreet')}>
        <Input id="shop-businessStreet" maxLength={100} />
      </Form.Item>
      <Form.Item name="operatorId" label={t('shops.operator')}>
        <ResidentPicker id="shop-operatorId" />
      </Form.Item>
    </FormPage>
  );
}
