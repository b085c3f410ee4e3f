import { api } from '@civicgrid/admin-kit';
import { OrgUnitPicker } from '@civicgrid/admin-ui';
import { useTranslate } from '@refinedev/core';
import { DatePicker, Form, Input, Select } from 'antd';
import type { Dayjs } from 'dayjs';
import { useEffect, useState } from 'react';
import { useParams } from 'react-router';
import { bodyOf, FormPage } from './form-page.tsx';
import { HousePicker } from './pickers.tsx';
import { REGISTRATIONS, type Resident } from './residents.tsx';
import { forgetRecord } from './shared.tsx';

const CREATE_FIELDS = [
  'orgUnitId',
  'houseId',
  'name',
  'idType',
  'idNumber',
  'gender',
  'birthDate',
  'nationality',
  'phone',
  'registration',
  'movedIn',
] as const;
const EDIT_FIELDS = ['name', 'phone', 'registration'] as const;

type Values = Record<string, unknown> & { birthDate?: Dayjs; movedIn?: Dayjs; idType?: string };
const day = (d: Dayjs | undefined) => d?.format('YYYY-MM-DD');

/**
 * Registers a resident (where she lives — a house, or a unit — her identity, registration) or edits
 * one (name, phone, registration: the ID number never changes). The server checks the ID number
 * (GB 11643 check digit, birth date, gender) and answers a duplicate person on the ID number field.
 */
export default function ResidentForm() {
  const t = useTranslate();
  const { id } = useParams();
  const [form] = Form.useForm<Values>();
  const [current, setCurrent] = useState<Resident | null>(null);
  const unit = Form.useWatch('orgUnitId', form) as string | undefined;
  const idType = Form.useWatch('idType', form) as string | undefined;
  useEffect(() => {
    if (id) void api<Resident>(`/residents/${id}`).then(setCurrent, () => {});
  }, [id]);
  const required = [{ required: true, message: t('common.required') }];

  if (id)
    return (
      <FormPage<Values>
        title={t('residents.edit')}
        testId="resident-form"
        form={form}
        fields={EDIT_FIELDS}
        loading={!current}
        initialValues={current ? { name: current.name, registration: current.registration } : undefined}
        submit={async (v) => {
          const body = bodyOf({ name: v.name, registration: v.registration, phone: v.phone });
          await api(`/residents/${id}`, { method: 'PATCH', body });
          forgetRecord(`/residents/${id}`);
          return `/registry/residents/${id}`;
        }}
      >
        <Form.Item name="name" label={t('residents.name')} rules={required}>
          <Input id="resident-name" maxLength={50} />
        </Form.Item>
        <Form.Item name="phone" label={t('residents.phone')} extra={t('residents.phoneKeep')}>
          <Input id="resident-phone" inputMode="tel" placeholder={current?.phone ?? ''} />
        </Form.Item>
        <Form.Item name="registration" label={t('residents.registration')} rules={required}>
          <Select
            id="resident-registration"
            options={REGISTRATIONS.map((r) => ({ value: r, label: t(`residents.registrations.${r}`) }))}
          />
        </Form.Item>
      </FormPage>
    );

  return (
    <FormPage<Values>
      title={t('residents.create')}
      testId="resident-form"
      form={form}
      fields={CREATE_FIELDS}
      initialValues={{ idType: 'resident-id', registration: 'local' }}
      submit={async (v) => {
        const created = await api<Resident>('/residents', {
          method: 'POST',
          body: bodyOf({
            ...v,
            idNumber: typeof v.idNumber === 'string' ? v.idNumber.trim().toUpperCase() : v.idNumber,
            nationality: typeof v.nationality === 'string' ? v.nationality.trim().toUpperCase() : undefined,
            birthDate: day(v.birthDate),
            movedIn: day(v.movedIn),
          }),
        });
        return `/registry/residents/${created.id}`;
      }}
    >
      <Form.Item name="orgUnitId" label={t('residents.unit')} extra={t('residents.unitHelp')}>
        <OrgUnitPicker id="resident-orgUnitId" />
      </Form.Item>
      <Form.Item name="houseId" label={t('residents.house')}>
        <HousePicker id="resident-houseId" under={unit} />
      </Form.Item>
      <Form.Item name="name" label={t('residents.name')} rules={required}>
        <Input id="resident-name" maxLength={50} />
      </Form.Item>
      <Form.Item name="idType" label={t('residents.idType')} rules={required}>
        <Select
          id="resident-idType"
          options={['resident-id', 'passport'].map((v) => ({ value: v, label: t(`residents.idTypes.${v}`) }))}
        />
      </Form.Item>
      <Form.Item name="idNumber" label={t('residents.idNumber')} rules={required}>
        <Input id="resident-idNumber" maxLength={20} autoComplete="off" />
      </Form.Item>
      <Form.Item name="registration" label={t('residents.registration')} rules={required}>
        <Select
          id="resident-registration"
          options={REGISTRATIONS.map((r) => ({ value: r, label: t(`residents.registrations.${r}`) }))}
        />
      </Form.Item>
      <Form.Item
        name="gender"
        label={t('residents.gender')}
        extra={idType === 'resident-id' ? t('residents.fromIdNumber') : undefined}
      >
        <Select
          id="resident-gender"
          allowClear
          options={['male', 'female'].map((g) => ({ value: g, label: t(`residents.genders.${g}`) }))}
        />
      </Form.Item>
      <Form.Item
        name="birthDate"
        label={t('residents.birthDate')}
        extra={idType === 'resident-id' ? t('residents.fromIdNumber') : undefined}
      >
        <DatePicker id="resident-birthDate" style={{ width: '100%' }} inputReadOnly={false} />
      </Form.Item>
      {idType === 'passport' && (
        <Form.Item
          name="nationality"
          label={t('residents.nationality')}
          extra={t('residents.nationalityHelp')}
        >
          <Input id="resident-nationality" maxLength={3} />
        </Form.Item>
      )}
      <Form.Item name="phone" label={t('residents.phone')}>
        <Input id="resident-phone" inputMode="tel" />
      </Form.Item>
      <Form.Item name="movedIn" label={t('residents.movedIn')}>
        <DatePicker id="resident-movedIn" style={{ width: '100%' }} />
      </Form.Item>
    </FormPage>
  );
}
