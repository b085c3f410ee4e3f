import { ApiError, api, may, session } from '@civicgrid/admin-kit';
import { PhotoPicker, uploadFiles, useIsPhone } from '@civicgrid/admin-ui';
import { useTranslate } from '@refinedev/core';
import {
  Alert,
  App,
  Button,
  Card,
  Cascader,
  Col,
  Form,
  Input,
  InputNumber,
  List,
  Radio,
  Row,
  Select,
  Tag,
  type UploadFile,
} from 'antd';
import { useEffect, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { CHANNELS, PERMISSIONS, URGENCIES } from '../common/index.ts';
import { type Duplicate, type EventItem, fmt, UnitPicker, URGENCY_COLOR, useErrorText } from './kit.tsx';

interface Category {
  id: string;
  parentId: string | null;
  name: string;
  active: boolean;
}
interface Values {
  channel: string;
  category: string[];
  urgency: string;
  title: string;
  description?: string;
  orgUnitId: string;
  houseId?: string;
  lat?: number;
  lng?: number;
  reporterId?: string;
  photos?: UploadFile[];
}

/** A registry lookup for the optional house and reporter; empty when the user may not read it. */
function RegistrySelect(props: {
  id: string;
  path: string;
  under?: string;
  label: (r: Record<string, string>) => string;
  value?: string;
  onChange?: (v: string | undefined) => void;
}) {
  const [opts, setOpts] = useState<Array<{ value: string; label: string }>>([]);
  const search = async (q: string) => {
    try {
      const rows = await api<Array<Record<string, string>>>(props.path, {
        query: { q: q.trim() || undefined, under: props.under, _end: 20 },
      });
      setOpts(rows.map((r) => ({ value: r.id!, label: props.label(r) })));
    } catch {
      setOpts([]);
    }
  };
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new unit starts a new search
  useEffect(() => {
    if (props.under) void search('');
  }, [props.under]);
  return (
    <Select
      id={props.id}
      allowClear
      showSearch
      filterOption={false}
      onSearch={search}
      options={opts}
      value={props.value}
      onChange={props.onChange}
    />
  );
}

/**
 * Reporting an event, phone-first: channel, category (domain → type), urgency, what and where; once
 * the place and the category are known, the likely duplicates the server finds are shown before she
 * sends it.
 */
export default function IntakePage() {
  const t = useTranslate();
  const phone = useIsPhone();
  const navigate = useNavigate();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const [form] = Form.useForm<Values>();
  const [categories, setCategories] = useState<Category[]>([]);
  const [dups, setDups] = useState<Duplicate[]>([]);
  const [busy, setBusy] = useState(false);
  const unit = Form.useWatch('orgUnitId', form);
  const category = Form.useWatch('category', form);
  const houseId = Form.useWatch('houseId', form);
  const lat = Form.useWatch('lat', form);
  const lng = Form.useWatch('lng', form);
  useEffect(() => {
    void api<Category[]>('/m/events/categories').then(setCategories, () => setCategories([]));
  }, []);
  const type = category?.[1];
  useEffect(() => {
    if (!unit || !type) {
      setDups([]);
      return;
    }
    const coords = lat != null && lng != null ? { lat, lng } : {};
    void api<Duplicate[]>('/m/events/duplicates', {
      query: { orgUnitId: unit, categoryId: type, houseId, ...coords },
    }).then(setDups, () => setDups([]));
  }, [unit, type, houseId, lat, lng]);

  const options = categories
    .filter((c) => !c.parentId && c.active)
    .map((d) => ({
      value: d.id,
      label: d.name,
      children: categories
        .filter((c) => c.parentId === d.id && c.active)
        .map((c) => ({ value: c.id, label: c.name })),
    }));

  const submit = async (v: Values) => {
    setBusy(true);
    try {
      const body = {
        channel: v.channel,
        categoryId: v.category[1],
        urgency: v.urgency,
        title: v.title,
        ...(v.description ? { description: v.description } : {}),
        orgUnitId: v.orgUnitId,
        ...(v.houseId ? { houseId: v.houseId } : {}),
        ...(v.lat != null && v.lng != null ? { lat: v.lat, lng: v.lng } : {}),
        ...(v.reporterId ? { reporterId: v.reporterId } : {}),
      };
      const res = await api<{ event: EventItem }>('/m/events/events', { method: 'POST', body });
      // The event stands on its own; a photo refused (type, size) is said and can be added on the detail.
      const failed = await uploadFiles(
        `/m/events/events/${res.event.id}/attachments`,
        v.photos ?? [],
        errorText,
      );
      if (failed.length) void message.warning(t('events.photos.someFailed', { list: failed.join('; ') }), 8);
      void message.success(t('events.intake.done'));
      // A reporter who may not read events (a building leader) stays on a fresh form.
      if (may(session.me, PERMISSIONS.read)) navigate(`/m/events/events/${res.event.id}`);
      else {
        form.resetFields();
        setDups([]);
      }
    } catch (err) {
      // The server's 400 names the field: shown on that field, in her language.
      if (err instanceof ApiError && err.details.length > 0) {
        const known = new Set([
          'channel',
          'urgency',
          'title',
          'description',
          'orgUnitId',
          'houseId',
          'lat',
          'lng',
          'reporterId',
        ]);
        const fields = err.details
          .map((d) => ({ name: d.field.replace(/^body\./, ''), reason: d.reason }))
          .map((d) => ({ ...d, name: d.name === 'categoryId' ? 'category' : d.name }))
          .filter((d) => known.has(d.name) || d.name === 'category');
        form.setFields(
          fields.map((f) => ({ name: f.name as keyof Values, errors: [t('events.intake.fieldRefused')] })),
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
      title={t('events.intake.title')}
      data-testid="event-intake"
      styles={{ body: { padding: phone ? 12 : undefined } }}
    >
      <Form<Values>
        form={form}
        layout="vertical"
        initialValues={{ channel: 'grid-worker', urgency: 'yellow' }}
        onFinish={submit}
        requiredMark={false}
      >
        <Row gutter={12}>
          <Col span={half}>
            <Form.Item name="channel" label={t('events.field.channel')} rules={[{ required: true }]}>
              <Select
                id="event-channel"
                options={CHANNELS.map((c) => ({ value: c, label: t(`events.channel.${c}`) }))}
              />
            </Form.Item>
          </Col>
          <Col span={half}>
            <Form.Item
              name="category"
              label={t('events.field.category')}
              rules={[{ required: true, type: 'array', len: 2, message: t('events.intake.pickType') }]}
            >
              <Cascader id="event-category" options={options} placeholder={t('events.intake.pickType')} />
            </Form.Item>
          </Col>
        </Row>
        <Form.Item name="urgency" label={t('events.field.urgency')} rules={[{ required: true }]}>
          <Radio.Group
            id="event-urgency"
            buttonStyle="solid"
            style={{ display: 'flex', flexWrap: 'wrap', rowGap: 4 }}
          >
            {URGENCIES.map((u) => (
              <Radio.Button key={u} value={u}>
                <Tag color={URGENCY_COLOR[u]} style={{ marginInlineEnd: 0 }} data-testid={`urgency-${u}`}>
                  {t(`events.urgency.${u}`)}
                </Tag>
              </Radio.Button>
            ))}
          </Radio.Group>
        </Form.Item>
        <Form.Item
          name="title"
          label={t('events.field.title')}
          rules={[{ required: true, whitespace: true, message: t('events.dialog.required') }]}
        >
          <Input id="event-title" maxLength={200} />
        </Form.Item>
        <Form.Item name="description" label={t('events.field.description')}>
          <Input.TextArea id="event-description" rows={4} maxLength={5000} />
        </Form.Item>
        <Form.Item name="orgUnitId" label={t('events.field.location')} rules={[{ required: true }]}>
          <UnitPicker id="event-orgUnitId" />
        </Form.Item>
        {dups.length > 0 && (
          <Alert
            type="warning"
            showIcon
            data-testid="event-duplicates"
            style={{ marginBottom: 16 }}
            message={t('events.intake.duplicates', { n: dups.length })}
            description={
              <List
                size="small"
                dataSource={dups}
                renderItem={(d) => (
                  <List.Item data-testid="event-duplicate">
                    <Link to={`/m/events/events/${d.id}`}>{d.title}</Link> · {t(`events.status.${d.status}`)}{' '}
                    · {fmt(d.createdAt, t('locale.tag'))}
                    {d.sameBuilding
                      ? ` · ${t('events.intake.sameBuilding')}`
                      : d.distanceM != null
                        ? ` · ${t('events.intake.distance', { m: Math.round(d.distanceM) })}`
                        : ''}
                  </List.Item>
                )}
              />
            }
          />
        )}
        <Row gutter={12}>
          <Col span={half}>
            <Form.Item name="houseId" label={t('events.field.house')}>
              <RegistrySelect
                id="event-houseId"
                path="/houses"
                under={unit}
                label={(r) => r.address ?? r.id!}
              />
            </Form.Item>
          </Col>
          <Col span={half}>
            <Form.Item
              name="reporterId"
              label={t('events.field.reporter')}
              extra={t('events.intake.anonymous')}
            >
              <RegistrySelect
                id="event-reporterId"
                path="/residents"
                under={unit}
                label={(r) => r.name ?? r.id!}
              />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="lat" label={t('events.field.lat')} dependencies={['lng']}>
              <InputNumber id="event-lat" min={-90} max={90} step={0.0001} style={{ width: '100%' }} />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="lng" label={t('events.field.lng')}>
              <InputNumber id="event-lng" min={-180} max={180} step={0.0001} style={{ width: '100%' }} />
            </Form.Item>
          </Col>
        </Row>
        <Form.Item name="photos" label={t('events.photos.title')}>
          <PhotoPicker add={t('events.photos.add')} testId="event-photos" />
        </Form.Item>
        <Button type="primary" htmlType="submit" block={phone} loading={busy} data-testid="event-submit">
          {t('events.intake.submit')}
        </Button>
      </Form>
    </Card>
  );
}
