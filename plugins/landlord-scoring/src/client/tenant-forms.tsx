import { ApiError, api, may, tenantToday } from '@civicgrid/admin-kit';
import { useTranslate } from '@refinedev/core';
import type { FormInstance } from 'antd';
import {
  App,
  Button,
  DatePicker,
  Form,
  Input,
  List,
  Modal,
  Segmented,
  Select,
  Space,
  Typography,
} from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useEffect, useState } from 'react';
import { BASE, useErrorText, useIsPhone, useMe } from './kit.tsx';
import {
  type DeclareValues,
  day,
  declareBody,
  future,
  NEWCOMER_FIELDS,
  NewcomerFields,
  type Who,
} from './newcomer.tsx';

export interface Tenant {
  residenceId: string;
  personId: string;
  name: string;
  movedIn: string;
  declaredOn: string | null;
  verifiedOn: string | null;
  source: string | null;
}
export interface House {
  houseId: string;
  address: string;
  since: string;
  tenants: Tenant[];
}

/** A person of the registry, found by name (or pinyin initials); the ID number shows masked. */
export function PersonSelect(props: {
  id: string;
  value?: string;
  onChange?: (v: string, name: string) => void;
}) {
  const t = useTranslate();
  const [opts, setOpts] = useState<Array<{ id: string; name: string; idNumber: string }>>([]);
  const search = async (q: string) => {
    if (!q.trim()) return setOpts([]);
    try {
      setOpts(await api(`/residents`, { query: { q: q.trim(), _end: 20 } }));
    } catch {
      setOpts([]);
    }
  };
  return (
    <Select
      id={props.id}
      showSearch
      filterOption={false}
      onSearch={search}
      placeholder={t('landlord-scoring.tenants.pickPerson')}
      notFoundContent={t('landlord-scoring.tenants.noPerson')}
      options={opts.map((p) => ({ value: p.id, label: `${p.name} · ${p.idNumber}` }))}
      value={props.value}
      onChange={(v: string) => props.onChange?.(v, opts.find((p) => p.id === v)?.name ?? '')}
    />
  );
}

/** The server's 400 names the field: shown on it (`body.` dropped), the message says the rest. */
function showRefusal(form: Pick<FormInstance, 'setFields'>, err: unknown, fields: string[]) {
  if (!(err instanceof ApiError)) return;
  form.setFields(
    err.details
      .map((d) => d.field.replace(/^body\./, ''))
      .filter((f) => fields.includes(f))
      .map((f) => ({ name: f.split('.'), errors: [err.details.find((d) => d.field.endsWith(f))!.reason] })),
  );
}

const REGISTRY_READ = 'registry.resident.read';
const REGISTRY_MANAGE = 'registry.resident.manage';
/**
 * The landlord declares a tenant moving into one of her houses (the registry moves her in). Someone the
 * registry does not know yet — the usual case with a new tenant — is registered in the same request by
 * whoever may register residents, instead of leaving the page for the registry's form. The landlord on
 * her own login has no registry to search: she gives who the tenant is, from her ID card.
 */
export function DeclareDialog(props: {
  subjectId: string;
  houses: House[];
  open: boolean;
  onClose: (done: boolean) => void;
}) {
  const t = useTranslate();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const me = useMe();
  const [form] = Form.useForm<DeclareValues>();
  const [busy, setBusy] = useState(false);
  const canSearch = may(me, REGISTRY_READ);
  const [who, setWho] = useState<Who>(canSearch ? 'registry' : 'newcomer');
  const idType = Form.useWatch(['person', 'idType'], form) as string | undefined;
  const submit = async (v: DeclareValues) => {
    setBusy(true);
    try {
      await api(`${BASE}/subjects/${props.subjectId}/tenants`, { method: 'POST', body: declareBody(v, who) });
      void message.success(t('landlord-scoring.tenants.declared'));
      form.resetFields();
      setWho(canSearch ? 'registry' : 'newcomer');
      props.onClose(true);
    } catch (err) {
      showRefusal(form, err, [
        'houseId',
        'personId',
        'movedIn',
        ...NEWCOMER_FIELDS.map((f) => `person.${f}`),
      ]);
      void message.error(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const required = [{ required: true, message: t('landlord-scoring.form.required') }];
  return (
    <Modal
      open={props.open}
      title={t('landlord-scoring.tenants.declare')}
      onCancel={() => props.onClose(false)}
      onOk={() => form.submit()}
      confirmLoading={busy}
      destroyOnHidden
    >
      <Form
        form={form}
        layout="vertical"
        onFinish={submit}
        initialValues={{
          houseId: props.houses[0]?.houseId,
          movedIn: dayjs(tenantToday()),
          person: { idType: 'resident-id', registration: 'floating' },
        }}
        data-testid="ls-declare-form"
      >
        <Form.Item name="houseId" label={t('landlord-scoring.tenants.house')} rules={required}>
          <Select
            id="ls-declare-house"
            options={props.houses.map((h) => ({ value: h.houseId, label: h.address }))}
          />
        </Form.Item>
        {canSearch && may(me, REGISTRY_MANAGE) && (
          <Form.Item>
            <Segmented<Who>
              block
              value={who}
              onChange={setWho}
              data-testid="ls-declare-who"
              options={[
                { value: 'registry', label: t('landlord-scoring.tenants.who.registry') },
                { value: 'newcomer', label: t('landlord-scoring.tenants.who.newcomer') },
              ]}
            />
          </Form.Item>
        )}
        {who === 'registry' ? (
          <Form.Item name="personId" label={t('landlord-scoring.tenants.person')} rules={required}>
            <PersonSelect id="ls-declare-person" />
          </Form.Item>
        ) : (
          <NewcomerFields passport={idType === 'passport'} />
        )}
        <Form.Item name="movedIn" label={t('landlord-scoring.tenants.movedIn')} rules={required}>
          <DatePicker id="ls-declare-movedIn" style={{ width: '100%' }} inputReadOnly disabledDate={future} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

type Seen = 'present' | 'gone' | 'unseen';

/**
 * A grid worker's round at one house: each tenant of the registry there seen living there, gone, or
 * not seen; people found living there whom the landlord did not declare; the date and a note. Tenants
 * found undeclared become deductions on the server.
 */
export function VisitDialog(props: {
  subjectId: string;
  houses: House[];
  open: boolean;
  onClose: (done: boolean) => void;
}) {
  const t = useTranslate();
  const phone = useIsPhone();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const [form] = Form.useForm();
  const [houseId, setHouseId] = useState(props.houses[0]?.houseId);
  const [seen, setSeen] = useState<Record<string, Seen>>({});
  const [found, setFound] = useState<Array<{ personId: string; name: string }>>([]);
  const [busy, setBusy] = useState(false);
  const house = props.houses.find((h) => h.houseId === houseId);
  useEffect(() => {
    setSeen(Object.fromEntries((house?.tenants ?? []).map((x) => [x.residenceId, 'present' as Seen])));
    setFound([]);
  }, [house]);
  const submit = async (v: { visitedOn: Dayjs; note?: string }) => {
    setBusy(true);
    try {
      const on = day(v.visitedOn);
      const r = await api<{ verified: number; undeclared: number }>(
        `${BASE}/subjects/${props.subjectId}/visits`,
        {
          method: 'POST',
          body: {
            houseId,
            visitedOn: on,
            present: Object.keys(seen).filter((k) => seen[k] === 'present'),
            found: found.map((f) => ({ personId: f.personId })),
            gone: Object.keys(seen)
              .filter((k) => seen[k] === 'gone')
              .map((residenceId) => ({ residenceId, movedOut: on })),
            ...(v.note?.trim() ? { note: v.note.trim() } : {}),
          },
        },
      );
      void message.success(t('landlord-scoring.tenants.visited', r));
      form.resetFields();
      props.onClose(true);
    } catch (err) {
      showRefusal(form, err, ['visitedOn', 'note']);
      void message.error(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const options = (['present', 'gone', 'unseen'] as const).map((k) => ({
    value: k,
    label: <span data-testid={`ls-seen-${k}`}>{t(`landlord-scoring.tenants.seen.${k}`)}</span>,
  }));
  return (
    <Modal
      open={props.open}
      title={t('landlord-scoring.tenants.verify')}
      onCancel={() => props.onClose(false)}
      onOk={() => form.submit()}
      okButtonProps={{ 'data-testid': 'ls-visit-submit' } as Record<`data-${string}`, string>}
      confirmLoading={busy}
      destroyOnHidden
    >
      <Form
        form={form}
        layout="vertical"
        onFinish={submit}
        initialValues={{ visitedOn: dayjs(tenantToday()) }}
        data-testid="ls-visit-form"
      >
        <Form.Item label={t('landlord-scoring.tenants.house')}>
          <Select
            id="ls-visit-house"
            value={houseId}
            onChange={setHouseId}
            options={props.houses.map((h) => ({ value: h.houseId, label: h.address }))}
          />
        </Form.Item>
        <Form.Item label={t('landlord-scoring.tenants.registered')}>
          <List
            size="small"
            dataSource={house?.tenants ?? []}
            locale={{ emptyText: t('landlord-scoring.none') }}
            renderItem={(x) => (
              <List.Item data-testid="ls-visit-tenant" data-name={x.name}>
                <Space
                  direction={phone ? 'vertical' : 'horizontal'}
                  style={{ width: '100%', justifyContent: 'space-between' }}
                >
                  <Typography.Text>{x.name}</Typography.Text>
                  <Segmented<Seen>
                    size="small"
                    value={seen[x.residenceId] ?? 'present'}
                    onChange={(s) => setSeen((o) => ({ ...o, [x.residenceId]: s }))}
                    options={options}
                  />
                </Space>
              </List.Item>
            )}
          />
        </Form.Item>
        <Form.Item
          label={t('landlord-scoring.tenants.found')}
          extra={t('landlord-scoring.tenants.foundHint')}
        >
          <PersonSelect
            id="ls-visit-found"
            value={undefined}
            onChange={(personId, name) =>
              setFound((f) => (f.some((x) => x.personId === personId) ? f : [...f, { personId, name }]))
            }
          />
          {found.map((f) => (
            <div key={f.personId} data-testid="ls-visit-found-person">
              <Typography.Text>{f.name}</Typography.Text>{' '}
              <Button size="small" type="link" onClick={() => setFound((o) => o.filter((x) => x !== f))}>
                {t('landlord-scoring.rules.remove')}
              </Button>
            </div>
          ))}
        </Form.Item>
        <Form.Item name="visitedOn" label={t('landlord-scoring.tenants.visitedOn')}>
          <DatePicker
            id="ls-visit-on"
            style={{ width: '100%' }}
            inputReadOnly
            allowClear={false}
            disabledDate={future}
          />
        </Form.Item>
        <Form.Item name="note" label={t('landlord-scoring.field.note')}>
          <Input.TextArea id="ls-visit-note" rows={2} maxLength={2000} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** The landlord declares that a tenant moved out (the registry ends the residence that day). */
export function MoveOutDialog(props: {
  subjectId: string;
  tenant: Tenant | null;
  onClose: (done: boolean) => void;
}) {
  const t = useTranslate();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const [on, setOn] = useState<Dayjs>(() => dayjs(tenantToday()));
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setBusy(true);
    try {
      await api(`${BASE}/subjects/${props.subjectId}/tenants/${props.tenant!.residenceId}/move-out`, {
        method: 'POST',
        body: { movedOut: day(on) },
      });
      props.onClose(true);
    } catch (err) {
      void message.error(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      open={props.tenant != null}
      title={t('landlord-scoring.tenants.moveOutTitle', { name: props.tenant?.name ?? '' })}
      onCancel={() => props.onClose(false)}
      onOk={submit}
      confirmLoading={busy}
      destroyOnHidden
    >
      <DatePicker
        id="ls-moveout-on"
        style={{ width: '100%' }}
        value={on}
        onChange={(d) => d && setOn(d)}
        inputReadOnly
        allowClear={false}
        disabledDate={future}
      />
    </Modal>
  );
}
