import { api, may } from '@civicgrid/admin-kit';
import { useErrorText, useMe } from '@civicgrid/admin-ui';
import { useGetLocale, useTranslate } from '@refinedev/core';
import {
  App,
  Button,
  Card,
  Checkbox,
  Col,
  Form,
  Input,
  List,
  Modal,
  Popconfirm,
  Row,
  Space,
  Table,
  Tag,
} from 'antd';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { Page } from '../components/list.tsx';
import type { Role } from './users.tsx';

interface Permission {
  key: string;
  group?: string;
  title: { 'zh-CN': string; en: string };
}

/** `<area>.<subject>.<action>` → its subject row and action column in the matrix. */
const split = (key: string) => {
  const i = key.lastIndexOf('.');
  return { subject: key.slice(0, i), action: key.slice(i + 1) };
};

/** Roles and their permission matrix, grouped by module (core, registry, then each plugin). */
export default function RolesPage() {
  const t = useTranslate();
  const locale = useGetLocale()() === 'en' ? 'en' : 'zh-CN';
  const me = useMe();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const [roles, setRoles] = useState<Role[]>([]);
  const [perms, setPerms] = useState<Permission[]>([]);
  const [current, setCurrent] = useState<Role | null>(null);
  const [draft, setDraft] = useState<Set<string>>(new Set());
  const [creating, setCreating] = useState(false);
  const [form] = Form.useForm();
  const canManage = may(me, 'core.role.manage');

  const load = useCallback(async () => {
    const [r, p] = await Promise.all([
      api<Role[]>('/roles', { query: { _end: 500 } }),
      api<Permission[]>('/permissions'),
    ]);
    setRoles(r);
    setPerms(p);
    return r;
  }, []);
  const pick = useCallback((r: Role) => {
    setCurrent(r);
    setDraft(new Set(r.permissions));
  }, []);
  useEffect(() => {
    void load().then((r) => r[0] && pick(r[0]));
  }, [load, pick]);

  const groups = useMemo(() => {
    const m = new Map<string, Permission[]>();
    for (const p of perms) {
      const g = p.group ?? p.key.split('.')[0]!;
      m.set(g, [...(m.get(g) ?? []), p]);
    }
    return [...m];
  }, [perms]);

  const save = async () => {
    if (!current) return;
    try {
      const r = await api<Role>(`/roles/${current.id}`, {
        method: 'PATCH',
        body: { permissions: [...draft].sort() },
      });
      void message.success(t('roles.saved'));
      await load();
      pick(r);
    } catch (err) {
      void message.error(errorText(err, 'roles.errors'));
    }
  };

  /** Deletes the role shown; the server refuses a default role or one still granted (409, translated). */
  const remove = async () => {
    if (!current) return;
    try {
      await api(`/roles/${current.id}`, { method: 'DELETE' });
      void message.success(t('roles.deleted', { name: current.name }));
      const left = await load();
      if (left[0]) pick(left[0]);
      else setCurrent(null);
    } catch (err) {
      void message.error(errorText(err, 'roles.errors'));
    }
  };

  return (
    <Row gutter={[16, 16]}>
      <Col xs={24} md={7}>
        <Page
          title={t('menu.roles')}
          extra={
            canManage && (
              <Button size="small" type="primary" onClick={() => setCreating(true)} data-testid="role-create">
                {t('buttons.create')}
              </Button>
            )
          }
        >
          <List
            dataSource={roles}
            renderItem={(r) => (
              <List.Item
                data-testid={`role-${r.key}`}
                onClick={() => pick(r)}
                style={{
                  cursor: 'pointer',
                  background: current?.id === r.id ? '#fff1f0' : undefined,
                  paddingInline: 8,
                }}
              >
                <Space>
                  {r.name}
                  {r.system && <Tag>{t('roles.system')}</Tag>}
                </Space>
              </List.Item>
            )}
          />
        </Page>
      </Col>
      <Col xs={24} md={17}>
        <Card
          title={current ? t('roles.matrixOf', { name: current.name }) : t('roles.matrix')}
          extra={
            canManage &&
            current && (
              <Space>
                <Popconfirm
                  title={t('roles.deleteConfirm', { name: current.name })}
                  okText={t('buttons.delete')}
                  cancelText={t('buttons.cancel')}
                  okButtonProps={{ danger: true }}
                  onConfirm={remove}
                >
                  <Button danger data-testid="role-delete">
                    {t('buttons.delete')}
                  </Button>
                </Popconfirm>
                <Button type="primary" onClick={save} data-testid="role-save">
                  {t('buttons.save')}
                </Button>
              </Space>
            )
          }
          styles={{ body: { overflowX: 'auto' } }}
        >
          {groups.map(([group, list]) => {
            const subjects = [...new Set(list.map((p) => split(p.key).subject))];
            return (
              <div key={group} style={{ marginBottom: 16 }}>
                <h4>{t(`roles.groups.${group}`, group)}</h4>
                <Table
                  size="small"
                  pagination={false}
                  rowKey="subject"
                  dataSource={subjects.map((subject) => ({ subject }))}
                  columns={[
                    {
                      title: t('roles.subject'),
                      dataIndex: 'subject',
                      width: 180,
                      render: (s: string) => t(`roles.subjects.${s}`, s),
                    },
                    {
                      title: t('roles.permissions'),
                      key: 'p',
                      render: (_, { subject }) => (
                        <Space wrap>
                          {list
                            .filter((p) => split(p.key).subject === subject)
                            .map((p) => (
                              <Checkbox
                                key={p.key}
                                checked={draft.has(p.key)}
                                disabled={!canManage}
                                onChange={(e) => {
                                  const next = new Set(draft);
                                  if (e.target.checked) next.add(p.key);
                                  else next.delete(p.key);
                                  setDraft(next);
                                }}
                              >
                                {p.title[locale]}
                              </Checkbox>
                            ))}
                        </Space>
                      ),
                    },
                  ]}
                />
              </div>
            );
          })}
        </Card>
      </Col>
      <Modal
        open={creating}
        title={t('roles.create')}
        onCancel={() => setCreating(false)}
        onOk={() => form.submit()}
        destroyOnHidden
      >
        <Form
          form={form}
          name="role"
          layout="vertical"
          preserve={false}
          onFinish={async (v: { key: string; name: string; description?: string }) => {
            try {
              const r = await api<Role>('/roles', { method: 'POST', body: { ...v, permissions: [] } });
              setCreating(false);
              void message.success(t('roles.created', { name: r.name }));
              await load();
              pick(r);
            } catch (err) {
              void message.error(errorText(err, 'roles.errors'));
            }
          }}
        >
          <Form.Item
            name="key"
            label={t('roles.key')}
            rules={[{ required: true, pattern: /^[a-z][a-z0-9-]{1,63}$/, message: t('roles.keyRule') }]}
          >
            <Input />
          </Form.Item>
          <Form.Item
            name="name"
            label={t('roles.name')}
            rules={[{ required: true, message: t('common.required') }]}
          >
            <Input />
          </Form.Item>
          <Form.Item name="description" label={t('roles.description')}>
            <Input />
          </Form.Item>
        </Form>
      </Modal>
    </Row>
  );
}
