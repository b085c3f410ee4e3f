import { tenantToday } from '@civicgrid/admin-kit';
import { useTranslate } from '@refinedev/core';
import { DatePicker, Form, Input, Segmented, Select } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';

export const day = (d: Dayjs) => d.format('YYYY-MM-DD');
/** A date picker's days after today, which no move or birth can be on. */
export const future = (d: Dayjs) => d.isAfter(dayjs(tenantToday()), 'day');

/** What a newcomer's registration asks here: who she is; she lives in the house from `movedIn`. */
export const NEWCOMER_FIELDS = [
  'name',
  'idType',
  'idNumber',
  'nationality',
  'gender',
  'birthDate',
  'phone',
  'registration',
];
export type Who = 'registry' | 'newcomer';

export interface DeclareValues {
  houseId: string;
  personId?: string;
  movedIn: Dayjs;
  person?: Record<string, unknown> & { idType: string; idNumber: string; birthDate?: Dayjs };
}

/** The request body: a person of the registry, or a newcomer registered with the declaration. */
export function declareBody(v: DeclareValues, who: Who) {
  const base = { houseId: v.houseId, movedIn: day(v.movedIn) };
  if (who === 'registry') return { ...base, personId: v.personId };
  const p = v.person!;
  const person = Object.fromEntries(
    Object.entries({
      ...p,
      idNumber: p.idNumber.trim().toUpperCase(),
      nationality: typeof p.nationality === 'string' ? p.nationality.trim().toUpperCase() : undefined,
      birthDate: p.birthDate ? day(p.birthDate) : undefined,
    }).filter(([, x]) => x !== undefined && x !== ''),
  );
  return { ...base, person };
}

/** Who a newcomer is, as the registry registers her (gender and birth date come from a resident ID). */
export function NewcomerFields(props: { passport: boolean }) {
  const t = useTranslate();
  const required = [{ required: true, message: t('landlord-scoring.form.required') }];
  const label = (f: string) => t(`landlord-scoring.tenants.newcomer.${f}`);
  return (
    <>
      <Form.Item name={['person', 'name']} label={label('name')} rules={required}>
        <Input id="ls-newcomer-name" maxLength={50} />
      </Form.Item>
      <Form.Item name={['person', 'idType']} label={label('idType')} rules={required}>
        <Segmented
          block
          options={['resident-id', 'passport'].map((v) => ({ value: v, label: label(`idTypes.${v}`) }))}
        />
      </Form.Item>
      <Form.Item name={['person', 'idNumber']} label={label('idNumber')} rules={required}>
        <Input id="ls-newcomer-idNumber" maxLength={20} autoComplete="off" />
      </Form.Item>
      {props.passport && (
        <>
          <Form.Item name={['person', 'nationality']} label={label('nationality')} rules={required}>
            <Input id="ls-newcomer-nationality" maxLength={3} placeholder="USA" />
          </Form.Item>
          <Form.Item name={['person', 'gender']} label={label('gender')} rules={required}>
            <Segmented
              block
              options={['male', 'female'].map((g) => ({ value: g, label: label(`genders.${g}`) }))}
            />
          </Form.Item>
          <Form.Item name={['person', 'birthDate']} label={label('birthDate')} rules={required}>
            <DatePicker id="ls-newcomer-birthDate" style={{ width: '100%' }} disabledDate={future} />
          </Form.Item>
        </>
      )}
      <Form.Item name={['person', 'phone']} label={label('phone')}>
        <Input id="ls-newcomer-phone" inputMode="tel" maxLength={20} />
      </Form.Item>
      <Form.Item name={['person', 'registration']} label={label('registration')} rules={required}>
        <Select
          id="ls-newcomer-registration"
          options={['floating', 'local', 'overseas'].map((r) => ({
            value: r,
            label: label(`registrations.${r}`),
          }))}
        />
      </Form.Item>
    </>
  );
}
