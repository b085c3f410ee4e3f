import { api } from '@civicgrid/admin-kit';
import { useMe } from '@civicgrid/admin-ui';
import { useTranslate } from '@refinedev/core';
import { App, Button, Card, Descriptions, Form, Input, Space, Tag } from 'antd';

/** My account: who I am, my grants, and changing my own password. */
export default function AccountPage() {
  const t = useTranslate();
  const me = useMe();
  const { message } = App.useApp();
  const [form] = Form.useForm();
  if (!me) return null;
  return (
    <Space direction="vertical" style={{ width: '100%' }} size="large">
      <Card title={t('account.title')}>
        <Descriptions column={1} bordered size="small">
          <Descriptions.Item label={t('users.username')}>{me.username}</Descriptions.Item>
          <Descriptions.Item label={t('users.displayName')}>{me.displayName}</Descriptions.Item>
          {me.tenant && <Descriptions.Item label={t('account.tenant')}>{me.tenant.name}</Descriptions.Item>}
          {me.kind === 'user' && (
            <Descriptions.Item label={t('account.grants')}>
              <Space wrap>
                {me.grants.map((g) => (
                  <Tag key={g.grantId}>
                    {g.roleName} · {g.orgUnitName}
                  </Tag>
                ))}
              </Space>
            </Descriptions.Item>
          )}
        </Descriptions>
      </Card>
      <Card title={t('account.changePassword')}>
        <Form
          form={form}
          layout="vertical"
          style={{ maxWidth: 400 }}
          onFinish={async (v: { currentPassword: string; newPassword: string }) => {
            try {
              await api('/me/password', { method: 'POST', body: v });
              void message.success(t('account.passwordChanged'));
              form.resetFields();
            } catch (err) {
              void message.error((err as Error).message);
            }
          }}
        >
          <Form.Item
            name="currentPassword"
            label={t('account.currentPassword')}
            rules={[{ required: true, message: t('common.required') }]}
          >
            <Input.Password autoComplete="current-password" />
          </Form.Item>
          <Form.Item
            name="newPassword"
            label={t('users.newPassword')}
            rules={[{ required: true, min: 10, message: t('users.passwordRule') }]}
          >
            <Input.Password autoComplete="new-password" />
          </Form.Item>
          <Form.Item
            name="confirm"
            label={t('account.confirmPassword')}
            dependencies={['newPassword']}
            rules={[
              { required: true, message: t('common.required') },
              ({ getFieldValue }) => ({
                validator: (_, v) =>
                  !v || v === getFieldValue('newPassword')
                    ? Promise.resolve()
                    : Promise.reject(new Error(t('account.mismatch'))),
              }),
            ]}
          >
            <Input.Password autoComplete="new-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit">
            {t('buttons.save')}
          </Button>
        </Form>
      </Card>
    </Space>
  );
}
