import { api, may, session } from '@civicgrid/admin-kit';
import { useGetLocale, useTranslate } from '@refinedev/core';
import { App, Button, Card, Col, Descriptions, Form, Modal, Row, Switch, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useMe } from '../components/org.tsx';
import { type JsonSchema, SchemaFields } from '../components/schema-form.tsx';

interface Module {
  id: string;
  version: string;
  title: { 'zh-CN': string; en: string };
  description: { 'zh-CN': string; en: string } | null;
  dependsOn: string[];
  enabled: boolean;
  settings: Record<string, unknown>;
  settingsSchema: JsonSchema | null;
  enabledAt: string | null;
}

/** The installed modules with this tenant's state: switch one on or off, edit its settings. */
export default function ModulesPage() {
  const t = useTranslate();
  const locale = useGetLocale()() === 'en' ? 'en' : 'zh-CN';
  const me = useMe();
  const { message } = App.useApp();
  const [modules, setModules] = useState<Module[]>([]);
  const [busy, setBusy] = useState<string | null>(null);
  const [editing, setEditing] = useState<Module | null>(null);
  const [form] = Form.useForm();
  const canManage = may(me, 'core.module.manage');

  const load = useCallback(() => api<Module[]>('/modules').then(setModules), []);
  useEffect(() => {
    void load();
  }, [load]);

  const put = async (m: Module, enabled: boolean, settings?: Record<string, unknown>) => {
    setBusy(m.id);
    try {
      await api(`/modules/${m.id}`, { method: 'PUT', body: { enabled, ...(settings ? { settings } : {}) } });
      void message.success(
        t(enabled ? 'modules.enabledOk' : 'modules.disabledOk', { name: m.title[locale] }),
      );
      await load();
      // The menu follows: /me lists the tenant's enabled modules.
      await session.reload();
      return true;
    } catch (err) {
      void message.error((err as Error).message);
      return false;
    } finally {
      setBusy(null);
    }
  };

  return (
    <>
      <Typography.Title level={4}>{t('menu.modules')}</Typography.Title>
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
                  onChange={(on) => void put(m, on)}
                />
              }
              actions={
                canManage && m.settingsSchema
                  ? [
                      <Button
                        type="link"
                        key="settings"
                        onClick={() => {
                          setEditing(m);
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
                  <Tag color={m.enabled ? 'green' : 'default'}>
                    {t(m.enabled ? 'modules.on' : 'modules.off')}
                  </Tag>
                </Descriptions.Item>
                {m.dependsOn.length > 0 && (
                  <Descriptions.Item label={t('modules.dependsOn')}>
                    {m.dependsOn.join(', ')}
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
        destroyOnHidden
      >
        {editing?.settingsSchema && (
          <Form
            form={form}
            layout="vertical"
            onFinish={async (values: Record<string, unknown>) => {
              if (await put(editing, editing.enabled, values)) setEditing(null);
            }}
          >
            <SchemaFields schema={editing.settingsSchema} prefix={editing.id} locale={locale} />
          </Form>
        )}
      </Modal>
    </>
  );
}
