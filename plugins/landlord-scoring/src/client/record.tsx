import { ApiError, api, tenantToday } from '@civicgrid/admin-kit';
import { useTranslate } from '@refinedev/core';
import {
  Alert,
  App,
  Button,
  Card,
  Col,
  DatePicker,
  Form,
  Input,
  Row,
  Segmented,
  Select,
  type UploadFile,
} from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useEffect, useMemo, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import {
  BASE,
  type Catalogue,
  type Subject,
  type SubjectFile,
  useErrorText,
  useIsPhone,
  useTitle,
} from './kit.tsx';
import { future } from './newcomer.tsx';
import { PhotoPicker, uploadPhotos } from './photos.tsx';

interface Values {
  subjectId: string;
  itemCode: string;
  occurredOn: Dayjs;
  note?: string;
  witness?: string;
  photos?: UploadFile[];
}
type Effect = 'deduction' | 'bonus';
const FIELDS = ['subjectId', 'itemCode', 'occurredOn', 'note', 'witness'] as const;

/** The landlord or shop, found by name among the files in scope. */
function SubjectSelect(props: {
  id: string;
  value?: string;
  onChange?: (v: string) => void;
  initial: Subject | null;
  onPick: (s: Subject | null) => void;
}) {
  const t = useTranslate();
  const [opts, setOpts] = useState<Subject[]>(props.initial ? [props.initial] : []);
  useEffect(() => {
    if (props.initial)
      setOpts((o) => (o.some((s) => s.id === props.initial!.id) ? o : [props.initial!, ...o]));
  }, [props.initial]);
  const search = async (q: string) => {
    try {
      setOpts(
        await api<Subject[]>(`${BASE}/subjects`, {
          query: { q: q.trim() || undefined, _end: 20, _sort: 'name' },
        }),
      );
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
      onFocus={() => opts.length === 0 && void search('')}
      placeholder={t('landlord-scoring.form.pickSubject')}
      options={opts.map((s) => ({
        value: s.id,
        label: `${s.name} · ${t(`landlord-scoring.kind.${s.kind}`)}`,
      }))}
      value={props.value}
      onChange={(v: string) => {
        props.onChange?.(v);
        props.onPick(opts.find((s) => s.id === v) ?? null);
      }}
    />
  );
}

/**
 * Recording a deduction or bonus, phone-first: the subject, the item from the catalogue in force on
 * the date (grouped by category, deductions or bonuses), the date, a note and a witness. The server's
 * 400 names the field: shown on that field, in her language.
 */
export default function RecordPage() {
  const t = useTranslate();
  const title = useTitle();
  const phone = useIsPhone();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const [form] = Form.useForm<Values>();
  const [subject, setSubject] = useState<Subject | null>(null);
  const [catalogue, setCatalogue] = useState<Catalogue | null>(null);
  const [effect, setEffect] = useState<Effect>('deduction');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const occurredOn = Form.useWatch('occurredOn', form);
  const preset = params.get('subject');

  useEffect(() => {
    if (!preset) return;
    void api<SubjectFile>(`${BASE}/subjects/${preset}`).then(
      (f) => {
        const s: Subject = {
          id: f.id,
          kind: f.kind,
          name: f.name,
          orgUnitId: f.orgUnitId,
          registeredOn: f.registeredOn,
          score: f.score,
        };
        setSubject(s);
        form.setFieldValue('subjectId', s.id);
      },
      (err) => setError(errorText(err)),
    );
  }, [preset, form, errorText]);

  const on = occurredOn ? occurredOn.format('YYYY-MM-DD') : undefined;
  useEffect(() => {
    if (!subject) {
      setCatalogue(null);
      return;
    }
    void api<Catalogue>(`${BASE}/rules/${subject.kind}`, { query: { on } }).then(
      (c) => {
        setCatalogue(c);
        setError(null);
      },
      (err) => {
        setCatalogue(null);
        setError(errorText(err));
      },
    );
  }, [subject, on, errorText]);

  const itemOptions = useMemo(
    () =>
      (catalogue?.categories ?? [])
        .map((c) => ({
          label: title(c),
          options: c.items
            .filter((i) => i.effect === effect)
            .map((i) => ({
              value: i.code,
              label: t('landlord-scoring.form.itemLabel', {
                title: title(i),
                points: `${i.effect === 'deduction' ? '−' : '+'}${i.points}`,
                cap: i.monthlyCap ? t('landlord-scoring.form.cap', { cap: i.monthlyCap }) : '',
              }),
            })),
        }))
        .filter((g) => g.options.length > 0),
    [catalogue, effect, title, t],
  );

  const submit = async (v: Values) => {
    setBusy(true);
    try {
      const body = {
        subjectId: v.subjectId,
        itemCode: v.itemCode,
        occurredOn: v.occurredOn.format('YYYY-MM-DD'),
        ...(v.note?.trim() ? { note: v.note.trim() } : {}),
        ...(v.witness?.trim() ? { witness: v.witness.trim() } : {}),
      };
      const created = await api<{ id: string }>(`${BASE}/records`, { method: 'POST', body });
      // The record stands on its own; a photo refused (type, size) is said, and can be added on the file.
      const failed = await uploadPhotos(created.id, v.photos ?? [], errorText);
      if (failed.length)
        void message.warning(t('landlord-scoring.photos.someFailed', { list: failed.join('; ') }), 8);
      else void message.success(t('landlord-scoring.form.done'));
      navigate(`${BASE}/subjects/${v.subjectId}`);
    } catch (err) {
      if (err instanceof ApiError && err.details.length > 0) {
        const named = err.details
          .map((d) => d.field.replace(/^body\./, ''))
          .filter((f): f is (typeof FIELDS)[number] => (FIELDS as readonly string[]).includes(f));
        form.setFields(
          named.map((f) => ({
            name: f,
            errors: [
              t(`landlord-scoring.form.refused.${f}`, undefined, t('landlord-scoring.form.fieldRefused')),
            ],
          })),
        );
      }
      void message.error(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const half = phone ? 24 : 12;
  return (
    <Card
      title={t('landlord-scoring.form.title')}
      data-testid="ls-record-form"
      styles={{ body: { padding: phone ? 12 : undefined } }}
    >
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 12 }} />}
      <Form<Values>
        form={form}
        layout="vertical"
        requiredMark={false}
        initialValues={{ occurredOn: dayjs(tenantToday()) }}
        onFinish={submit}
      >
        <Form.Item
          name="subjectId"
          label={t('landlord-scoring.field.subject')}
          rules={[{ required: true, message: t('landlord-scoring.form.required') }]}
        >
          <SubjectSelect
            id="ls-subjectId"
            initial={subject}
            onPick={(s) => {
              setSubject(s);
              form.setFieldValue('itemCode', undefined);
            }}
          />
        </Form.Item>
        <Form.Item label={t('landlord-scoring.field.effect')}>
          <Segmented<Effect>
            block={phone}
            value={effect}
            onChange={(e) => {
              setEffect(e);
              form.setFieldValue('itemCode', undefined);
            }}
            options={[
              {
                value: 'deduction',
                label: (
                  <span data-testid="ls-effect-deduction">{t('landlord-scoring.effect.deduction')}</span>
                ),
              },
              {
                value: 'bonus',
                label: <span data-testid="ls-effect-bonus">{t('landlord-scoring.effect.bonus')}</span>,
              },
            ]}
          />
        </Form.Item>
        <Form.Item
          name="itemCode"
          label={t('landlord-scoring.field.item')}
          rules={[{ required: true, message: t('landlord-scoring.form.required') }]}
        >
          <Select
            id="ls-itemCode"
            showSearch
            optionFilterProp="label"
            placeholder={t('landlord-scoring.form.pickItem')}
            options={itemOptions}
            disabled={!catalogue}
            popupMatchSelectWidth={phone ? true : 480}
          />
        </Form.Item>
        <Row gutter={12}>
          <Col span={half}>
            <Form.Item
              name="occurredOn"
              label={t('landlord-scoring.field.occurredOn')}
              rules={[{ required: true, message: t('landlord-scoring.form.required') }]}
            >
              <DatePicker
                id="ls-occurredOn"
                style={{ width: '100%' }}
                inputReadOnly={phone}
                disabledDate={future}
              />
            </Form.Item>
          </Col>
          <Col span={half}>
            <Form.Item name="witness" label={t('landlord-scoring.field.witness')}>
              <Input id="ls-witness" maxLength={100} />
            </Form.Item>
          </Col>
        </Row>
        <Form.Item name="note" label={t('landlord-scoring.field.note')}>
          <Input.TextArea id="ls-note" rows={3} maxLength={2000} />
        </Form.Item>
        <Form.Item name="photos" label={t('landlord-scoring.photos.title')}>
          <PhotoPicker />
        </Form.Item>
        <Button type="primary" htmlType="submit" block={phone} loading={busy} data-testid="ls-record-submit">
          {t('landlord-scoring.form.submit')}
        </Button>
      </Form>
    </Card>
  );
}
