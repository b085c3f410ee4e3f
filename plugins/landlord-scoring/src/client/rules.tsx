import { ApiError, api, may, tenantToday } from '@civicgrid/admin-kit';
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
  InputNumber,
  List,
  Row,
  Segmented,
  Select,
  Space,
  Table,
  Tag,
  Typography,
} from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useCallback, useEffect, useState } from 'react';
import { PERMISSIONS } from '../common/index.ts';
import {
  BASE,
  type Catalogue,
  ExportButton,
  type Item,
  useErrorText,
  useIsPhone,
  useMe,
  useTitle,
} from './kit.tsx';

type Kind = 'landlord' | 'shop';
interface Version {
  id: string;
  effectiveFrom: string;
  note: string | null;
}
interface Draft {
  effectiveFrom: Dayjs;
  note?: string;
  categories: Array<{
    code: string;
    titleZh: string;
    titleEn: string;
    items: Array<Omit<Item, 'id'>>;
  }>;
}

/** A draft from a catalogue: the same categories and items, to be changed and saved as a new version. */
const draftOf = (c: Catalogue, from: Dayjs): Draft => ({
  effectiveFrom: from,
  categories: c.categories.map((cat) => ({
    code: cat.code,
    titleZh: cat.titleZh,
    titleEn: cat.titleEn,
    items: cat.items.map(({ code, titleZh, titleEn, effect, points, monthlyCap }) => ({
      code,
      titleZh,
      titleEn,
      effect,
      points,
      monthlyCap,
    })),
  })),
});

/** The catalogue shown read-only: categories with their items (localized titles, points, caps). */
function CatalogueView({ catalogue }: { catalogue: Catalogue }) {
  const t = useTranslate();
  const title = useTitle();
  return (
    <List
      dataSource={catalogue.categories}
      renderItem={(c) => (
        <List.Item data-testid="ls-rule-category" style={{ display: 'block' }}>
          <Typography.Text strong>{title(c)}</Typography.Text>
          {c.items.map((i) => (
            <div key={i.code} data-testid="ls-rule-item" data-code={i.code}>
              <Tag color={i.effect === 'deduction' ? 'red' : 'green'}>
                {i.effect === 'deduction' ? '−' : '+'}
                {i.points}
              </Tag>
              {title(i)}
              {i.monthlyCap ? (
                <Typography.Text type="secondary">
                  {t('landlord-scoring.form.cap', { cap: i.monthlyCap })}
                </Typography.Text>
              ) : null}
            </div>
          ))}
        </List.Item>
      )}
    />
  );
}

/** The name path of a refused field (`body.categories.0.items.3.points`) in the draft form. */
const pathOf = (field: string) =>
  field
    .replace(/^body\./, '')
    .split('.')
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));

/** A new version: the catalogue in force copied, changed, and dated from a day after the latest. */
function Editor({
  kind,
  base,
  latest,
  onDone,
}: {
  kind: Kind;
  base: Catalogue;
  latest: string;
  onDone: (saved: boolean) => void;
}) {
  const t = useTranslate();
  const phone = useIsPhone();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const [form] = Form.useForm<Draft>();
  const [busy, setBusy] = useState(false);
  const tomorrow = dayjs(tenantToday()).add(1, 'day');
  const afterLatest = dayjs(latest).add(1, 'day');
  const first = afterLatest.isAfter(tomorrow) ? afterLatest : tomorrow;
  const submit = async (d: Draft) => {
    setBusy(true);
    try {
      await api(`${BASE}/rules/${kind}/versions`, {
        method: 'POST',
        body: {
          effectiveFrom: d.effectiveFrom.format('YYYY-MM-DD'),
          ...(d.note?.trim() ? { note: d.note.trim() } : {}),
          categories: d.categories.map((c) => ({
            ...c,
            items: (c.items ?? []).map((i) => ({
              ...i,
              monthlyCap: i.effect === 'bonus' && i.monthlyCap ? i.monthlyCap : null,
            })),
          })),
        },
      });
      void message.success(t('landlord-scoring.rules.saved'));
      onDone(true);
    } catch (err) {
      if (err instanceof ApiError && err.details.length > 0)
        form.setFields(
          err.details.map((d) => ({
            name: pathOf(d.field) as never,
            // A conflict (the date not after the latest version) says why; a refused input, where.
            errors: [err.statusCode === 409 ? errorText(err) : t('landlord-scoring.form.fieldRefused')],
          })),
        );
      void message.error(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const required = [{ required: true, whitespace: true, message: t('landlord-scoring.form.required') }];
  return (
    <Form<Draft>
      form={form}
      layout="vertical"
      requiredMark={false}
      initialValues={draftOf(base, first)}
      onFinish={submit}
      data-testid="ls-rule-editor"
    >
      <Row gutter={12}>
        <Col span={phone ? 24 : 8}>
          <Form.Item
            name="effectiveFrom"
            label={t('landlord-scoring.rules.effectiveFrom')}
            extra={t('landlord-scoring.rules.afterLatest', { date: latest })}
            rules={[{ required: true, message: t('landlord-scoring.form.required') }]}
          >
            <DatePicker id="ls-rule-effectiveFrom" style={{ width: '100%' }} />
          </Form.Item>
        </Col>
        <Col span={phone ? 24 : 16}>
          <Form.Item name="note" label={t('landlord-scoring.rules.note')}>
            <Input id="ls-rule-note" maxLength={500} />
          </Form.Item>
        </Col>
      </Row>
      <Form.List name="categories">
        {(cats, { add: addCat, remove: removeCat }) => (
          <>
            {cats.map((cat) => (
              <Card
                key={cat.key}
                size="small"
                style={{ marginBottom: 12 }}
                data-testid="ls-rule-edit-category"
                title={
                  <Row gutter={8} style={{ paddingTop: 8 }}>
                    <Col span={phone ? 24 : 6}>
                      <Form.Item name={[cat.name, 'code']} rules={required}>
                        <Input placeholder={t('landlord-scoring.rules.code')} />
                      </Form.Item>
                    </Col>
                    <Col span={phone ? 24 : 9}>
                      <Form.Item name={[cat.name, 'titleZh']} rules={required}>
                        <Input placeholder={t('landlord-scoring.rules.titleZh')} />
                      </Form.Item>
                    </Col>
                    <Col span={phone ? 24 : 9}>
                      <Form.Item name={[cat.name, 'titleEn']} rules={required}>
                        <Input placeholder={t('landlord-scoring.rules.titleEn')} />
                      </Form.Item>
                    </Col>
                  </Row>
                }
                extra={
                  <Button type="link" danger onClick={() => removeCat(cat.name)}>
                    {t('landlord-scoring.rules.remove')}
                  </Button>
                }
              >
                <Form.List name={[cat.name, 'items']}>
                  {(items, { add, remove }) => (
                    <>
                      {items.map((it) => (
                        <Row gutter={8} key={it.key} data-testid="ls-rule-edit-item">
                          <Col span={phone ? 24 : 4}>
                            <Form.Item name={[it.name, 'code']} rules={required}>
                              <Input placeholder={t('landlord-scoring.rules.code')} />
                            </Form.Item>
                          </Col>
                          <Col span={phone ? 24 : 6}>
                            <Form.Item name={[it.name, 'titleZh']} rules={required}>
                              <Input placeholder={t('landlord-scoring.rules.titleZh')} />
                            </Form.Item>
                          </Col>
                          <Col span={phone ? 24 : 6}>
                            <Form.Item name={[it.name, 'titleEn']} rules={required}>
                              <Input placeholder={t('landlord-scoring.rules.titleEn')} />
                            </Form.Item>
                          </Col>
                          <Col span={phone ? 8 : 3}>
                            <Form.Item name={[it.name, 'effect']}>
                              <Select
                                options={(['deduction', 'bonus'] as const).map((e) => ({
                                  value: e,
                                  label: t(`landlord-scoring.effect.${e}`),
                                }))}
                              />
                            </Form.Item>
                          </Col>
                          <Col span={phone ? 6 : 2}>
                            <Form.Item name={[it.name, 'points']} rules={[{ required: true, message: '' }]}>
                              <InputNumber
                                min={1}
                                max={12}
                                precision={0}
                                placeholder={t('landlord-scoring.field.points')}
                                style={{ width: '100%' }}
                              />
                            </Form.Item>
                          </Col>
                          <Col span={phone ? 6 : 2}>
                            <Form.Item name={[it.name, 'monthlyCap']}>
                              <InputNumber
                                min={1}
                                max={12}
                                precision={0}
                                placeholder={t('landlord-scoring.rules.cap')}
                                style={{ width: '100%' }}
                              />
                            </Form.Item>
                          </Col>
                          <Col span={phone ? 4 : 1}>
                            <Button type="text" danger onClick={() => remove(it.name)} aria-label="remove">
                              ×
                            </Button>
                          </Col>
                        </Row>
                      ))}
                      <Button
                        type="dashed"
                        block
                        onClick={() => add({ effect: 'deduction', points: 1, monthlyCap: null })}
                      >
                        {t('landlord-scoring.rules.addItem')}
                      </Button>
                    </>
                  )}
                </Form.List>
              </Card>
            ))}
            <Button type="dashed" block onClick={() => addCat({ items: [] })} style={{ marginBottom: 12 }}>
              {t('landlord-scoring.rules.addCategory')}
            </Button>
          </>
        )}
      </Form.List>
      <Space>
        <Button type="primary" htmlType="submit" loading={busy} data-testid="ls-rule-save">
          {t('landlord-scoring.rules.save')}
        </Button>
        <Button onClick={() => onDone(false)}>{t('landlord-scoring.rules.cancel')}</Button>
      </Space>
    </Form>
  );
}

/**
 * The rule catalogue per subject kind: its versions (never edited, only followed by a later one), the
 * one chosen shown by category; a city-wide rule manager drafts a new version from the one in force.
 */
export default function RulesPage() {
  const t = useTranslate();
  const me = useMe();
  const phone = useIsPhone();
  const errorText = useErrorText();
  const [kind, setKind] = useState<Kind>('landlord');
  const [versions, setVersions] = useState<Version[]>([]);
  const [on, setOn] = useState<string | undefined>();
  const [catalogue, setCatalogue] = useState<Catalogue | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [editing, setEditing] = useState(false);
  const load = useCallback(async () => {
    try {
      const [vs, c] = await Promise.all([
        api<Version[]>(`${BASE}/rules/${kind}/versions`),
        api<Catalogue>(`${BASE}/rules/${kind}`, { query: { on } }),
      ]);
      setVersions(vs);
      setCatalogue(c);
      setError(null);
    } catch (err) {
      setError(errorText(err));
    }
  }, [kind, on, errorText]);
  useEffect(() => {
    void load();
  }, [load]);
  const latest =
    versions
      .map((v) => v.effectiveFrom)
      .sort()
      .at(-1) ?? '';
  return (
    <Card
      title={t('landlord-scoring.rules.title')}
      data-testid="ls-rules"
      styles={{ body: { padding: phone ? 8 : undefined } }}
      extra={
        !editing &&
        catalogue && (
          <Space wrap>
            <ExportButton
              path={`/rules/${kind}/export.xlsx`}
              query={{ on: catalogue.effectiveFrom }}
              fileName={`landlord-scoring-rules-${kind}-${catalogue.effectiveFrom}.xlsx`}
            />
            {may(me, PERMISSIONS.ruleManage) && (
              <Button type="primary" onClick={() => setEditing(true)} data-testid="ls-rule-new">
                {t('landlord-scoring.rules.newVersion')}
              </Button>
            )}
          </Space>
        )
      }
    >
      <Segmented<Kind>
        style={{ marginBottom: 12 }}
        value={kind}
        disabled={editing}
        onChange={(k) => {
          setKind(k);
          setOn(undefined);
        }}
        options={[
          { value: 'landlord', label: t('landlord-scoring.kind.landlord') },
          { value: 'shop', label: t('landlord-scoring.kind.shop') },
        ]}
      />
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 12 }} />}
      {editing && catalogue ? (
        <Editor
          kind={kind}
          base={catalogue}
          latest={latest}
          onDone={(saved) => {
            setEditing(false);
            if (saved) {
              setOn(undefined);
              void load();
            }
          }}
        />
      ) : (
        <Row gutter={16}>
          <Col span={phone ? 24 : 8}>
            <Table<Version>
              rowKey="id"
              size="small"
              pagination={false}
              dataSource={[...versions].sort((a, b) => b.effectiveFrom.localeCompare(a.effectiveFrom))}
              onRow={(v) =>
                ({
                  'data-testid': 'ls-rule-version',
                  onClick: () => setOn(v.effectiveFrom),
                  style: { cursor: 'pointer' },
                }) as never
              }
              rowClassName={(v) => (catalogue?.id === v.id ? 'ant-table-row-selected' : '')}
              columns={[
                { title: t('landlord-scoring.rules.effectiveFrom'), dataIndex: 'effectiveFrom' },
                { title: t('landlord-scoring.rules.note'), dataIndex: 'note' },
              ]}
            />
          </Col>
          <Col span={phone ? 24 : 16}>
            {catalogue && (
              <>
                <Typography.Text type="secondary">
                  {t('landlord-scoring.rules.inForce', { date: catalogue.effectiveFrom })}
                </Typography.Text>
                <CatalogueView catalogue={catalogue} />
              </>
            )}
          </Col>
        </Row>
      )}
    </Card>
  );
}
