import { api } from '@civicgrid/admin-kit';
import { useErrorText } from '@civicgrid/admin-ui';
import { useGetLocale, useTranslate } from '@refinedev/core';
import {
  App,
  Button,
  Card,
  Col,
  Descriptions,
  Empty,
  Form,
  Modal,
  Row,
  Space,
  Spin,
  Switch,
  Tag,
  Typography,
} from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { type JsonSchema, SchemaFields, showServerErrors } from './schema-form.tsx';

type Text = { 'zh-CN': string; en: string };
export interface Module {
  id: string;
  version: string;
  title: Text;
  description: Text | null;
  dependsOn: string[];
  enabled: boolean;
  settings: Record<string, unknown>;
  settingsSchema: JsonSchema | null;
  permissions?: Array<{ key: string; title: Text }>;
  jobs?: Array<{ name: string; title: Text; cron: string | null }>;
  enabledAt: string | null;
}

/**
 * The installed modules of one tenant as cards: state, version, dependencies, the permissions and
 * jobs (a scheduled one's cron on hover) each brings; a switch and a settings form generated from the module's
 * schema. `base` is the list's path — `/modules` (the tenant's own admin) or
 * `/platform/tenants/<id>/modules` (an operator on a tenant's behalf); a module is switched with
 * `PUT <base>/<id>`. Refusals (a dependency off, a setting out of range) are shown translated.
 */
export function ModuleCatalogue({
  base,
  canManage,
  onSwitched,
}: {
  base: string;
  canManage: boolean;
  onSwitched?: () => Promise<unknown>;
}) {
  const t = useTranslate();
  const errorText = useErrorText();
  const locale = useGetLocale()() === 'en' ? 'en' : 'zh-CN';
  const { message } = App.useApp();
  const [modules, setModules] = useState<Module[] | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [editing, setEditing] = useState<Module | null>(null);
  const [saving, setSaving] = useState(false);
  const [form] = Form.useForm();

  const load = useCallback(
    () =>
      api<Module[]>(base).then(setModules, (err) => {
        setModules([]);
        void message.error(errorText(err, 'modules.errors'));
      }),
    [base, message, errorText],
  );
  useEffect(() => {
    setModules(null);
    void load();
  }, [load]);

  /** Switches or saves one module; the error (translated) is thrown on to the caller. */
  const put = async (m: Module, enabled: boolean, settings?: Record<string, unknown>) => {
    await api(`${base}/${m.id}`, { method: 'PUT', body: { enabled, ...(settings ? { settings } : {}) } });
    await load();
    await onSwitched?.();
  };

  const toggle = async (m: Module, on: boolean) => {
    setBusy(m.id);
    try {
      await put(m, on);
      void message.success(t(on ? 'modules.enabledOk' : 'modules.disabledOk', { name: m.title[locale] }));
    } catch (err) {
      void message.error(errorText(err, 'modules.errors'));
    } finally {
      setBusy(null);
    }
  };

  if (modules == null)
    return (
      <div style={{ padding: 48, textAlign: 'center' }}>
        <Spin />
      </div>
    );
  if (modules.length === 0) return <Empty description={t('modules.none')} />;

  return (
    <>
      <Row gutter={[16, 16]}>
        {modules.map((m) => (
          <Col xs={24} md={12} lg={8} key={m.id}>
            <Card
              data-testid={`module-${m.id}`}
              title={m.title[locale]}
              extra={
                <Switch
                  data-testid={`module-switch-${m.id}`}
                  checked={m.enabled}
                  loading={busy === m.id}
                  disabled={!canManage}
                  onChange={(on) => void toggle(m, on)}
                />
              }
              actions={
                canManage && m.settingsSchema
                  ? [
                      <Button
                        type="link"
                        key="settings"
                        data-testid={`module-settings-${m.id}`}
                        onClick={() => {
                          setEditing(m);
                          form.resetFields();
                          form.setFieldsValue(m.settings);
                        }}
                      >
                        {t('modules.settings')}
                      </Button>,
                    ]
                  : undefined
              }
            >
              <Typography.Paragraph type="secondary">{m.description?.[locale] ?? ''}</Typography.Paragraph>
              <Descriptions size="small" column={1}>
                <Descriptions.Item label={t('modules.id')}>{m.id}</Descriptions.Item>
                <Descriptions.Item label={t('modules.version')}>{m.version}</Descriptions.Item>
                <Descriptions.Item label={t('modules.status')}>
                  <Tag color={m.enabled ? 'green' : 'default'} data-testid={`module-state-${m.id}`}>
                    {t(m.enabled ? 'modules.on' : 'modules.off')}
                  </Tag>
                </Descriptions.Item>
                {m.dependsOn.length > 0 && (
                  <Descriptions.Item label={t('modules.dependsOn')}>
                    {m.dependsOn.join(', ')}
                  </Descriptions.Item>
                )}
                {(m.permissions?.length ?? 0) > 0 && (
                  <Descriptions.Item label={t('modules.permissions')}>
                    <Space size={[4, 4]} wrap>
                      {m.permissions!.map((p) => (
                        <Tag key={p.key} title={p.key}>
                          {p.title[locale]}
                        </Tag>
                      ))}
                    </Space>
                  </Descriptions.Item>
                )}
                {(m.jobs?.length ?? 0) > 0 && (
                  <Descriptions.Item label={t('modules.jobs')}>
                    <Space size={[4, 4]} wrap>
                      {m.jobs!.map((j) => (
                        <Tag key={j.name} title={j.cron ? `${j.name} · ${j.cron}` : j.name}>
                          {j.title[locale]}
                        </Tag>
                      ))}
                    </Space>
                  </Descriptions.Item>
                )}
              </Descriptions>
            </Card>
          </Col>
        ))}
      </Row>
      <Modal
        open={editing != null}
        title={t('modules.settingsOf', { name: editing?.title[locale] ?? '' })}
        onCancel={() => setEditing(null)}
        onOk={() => form.submit()}
        okButtonProps={{ loading: saving, 'data-testid': 'module-settings-save' } as never}
        forceRender
      >
        <Form
          form={form}
          name="module-settings"
          layout="vertical"
          onFinish={async (values: Record<string, unknown>) => {
            if (!editing) return;
            setSaving(true);
            try {
              await put(editing, editing.enabled, values);
              void message.success(t('modules.settingsSaved', { name: editing.title[locale] }));
              setEditing(null);
            } catch (err) {
              // A refused setting goes beside its field; anything else is a message.
              if (!editing.settingsSchema || !showServerErrors(t, form, editing.settingsSchema, err))
                void message.error(errorText(err, 'modules.errors'));
            } finally {
              setSaving(false);
            }
          }}
        >
          {editing?.settingsSchema && (
            <SchemaFields schema={editing.settingsSchema} prefix={editing.id} locale={locale} />
          )}
        </Form>
      </Modal>
    </>
  );
}
