import { api, apiRaw, may } from '@civicgrid/admin-kit';
import { useTranslate } from '@refinedev/core';
import { Alert, App, Button, Card, Form, Input, List, Modal, Segmented, Space, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { Link } from 'react-router';
import { PERMISSIONS } from '../common/index.ts';
import {
  BASE,
  ExportButton,
  type FileRecord,
  type SubjectFile,
  useErrorText,
  useIsPhone,
  useMe,
  useTitle,
} from './kit.tsx';

interface Appeal {
  id: string;
  recordId: string;
  subjectId: string;
  reason: string;
  state: 'pending' | 'upheld' | 'rejected';
  decisionNote: string | null;
  filedAt: string;
  decidedAt: string | null;
}
type State = Appeal['state'];
type Decision = 'upheld' | 'rejected';
const PAGE = 20;

/**
 * The appeals queue: pending ones first, each with the record it contests (read from the subject's
 * file); a reviewer upholds (the record becomes void, her note its reason) or rejects it with a reason.
 */
export default function AppealsPage() {
  const t = useTranslate();
  const title = useTitle();
  const me = useMe();
  const phone = useIsPhone();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const [state, setState] = useState<State>('pending');
  const [page, setPage] = useState(1);
  const [rows, setRows] = useState<Appeal[] | null>(null);
  const [total, setTotal] = useState(0);
  const [files, setFiles] = useState<Map<string, SubjectFile>>(new Map());
  const [error, setError] = useState<string | null>(null);
  const [deciding, setDeciding] = useState<{ appeal: Appeal; decision: Decision } | null>(null);
  const [busy, setBusy] = useState(false);
  const [form] = Form.useForm<{ note?: string }>();

  const load = useCallback(async () => {
    try {
      const res = await apiRaw(`${BASE}/appeals`, {
        query: { state, _start: (page - 1) * PAGE, _end: page * PAGE },
      });
      const list = (await res.json()) as Appeal[];
      const ids = [...new Set(list.map((a) => a.subjectId))];
      const loaded = await Promise.all(
        ids.map((id) => api<SubjectFile>(`${BASE}/subjects/${id}`).catch(() => null)),
      );
      setFiles(new Map(loaded.filter((f): f is SubjectFile => f != null).map((f) => [f.id, f])));
      setRows(list);
      setTotal(Number(res.headers.get('x-total-count') ?? list.length));
      setError(null);
    } catch (err) {
      setError(errorText(err));
      setRows([]);
    }
  }, [state, page, errorText]);
  useEffect(() => {
    void load();
  }, [load]);

  const recordOf = (a: Appeal): FileRecord | undefined =>
    files.get(a.subjectId)?.records.find((r) => r.id === a.recordId);

  const decide = async ({ note }: { note?: string }) => {
    if (!deciding) return;
    setBusy(true);
    try {
      await api(`${BASE}/appeals/${deciding.appeal.id}/decision`, {
        method: 'POST',
        body: { decision: deciding.decision, ...(note?.trim() ? { note: note.trim() } : {}) },
      });
      void message.success(t('landlord-scoring.appeals.decided'));
      setDeciding(null);
      form.resetFields();
      void load();
    } catch (err) {
      void message.error(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const canReview = may(me, PERMISSIONS.appealReview);

  return (
    <Card
      title={t('landlord-scoring.appeals.title')}
      data-testid="ls-appeals"
      styles={{ body: { padding: phone ? 8 : undefined } }}
      extra={
        <ExportButton
          path="/appeals/export.xlsx"
          query={{ state }}
          fileName={`landlord-scoring-appeals-${state}.xlsx`}
        />
      }
    >
      <Segmented<State>
        style={{ marginBottom: 12 }}
        value={state}
        onChange={(s) => {
          setState(s);
          setPage(1);
        }}
        options={(['pending', 'upheld', 'rejected'] as const).map((s) => ({
          value: s,
          label: t(`landlord-scoring.appealState.${s}`),
        }))}
      />
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 12 }} />}
      <List<Appeal>
        loading={rows == null}
        dataSource={rows ?? []}
        locale={{ emptyText: t('landlord-scoring.appeals.empty') }}
        pagination={
          total > PAGE && {
            current: page,
            pageSize: PAGE,
            total,
            onChange: setPage,
            simple: phone,
            align: 'center',
          }
        }
        renderItem={(a) => {
          const r = recordOf(a);
          const f = files.get(a.subjectId);
          return (
            <Card size="small" style={{ marginBottom: 8 }} data-testid="ls-appeal-item" data-id={a.id}>
              <Space wrap size={4}>
                <Link to={`${BASE}/subjects/${a.subjectId}`}>{f?.name ?? '—'}</Link>
                {r && (
                  <>
                    <Tag color={r.effect === 'deduction' ? 'red' : 'green'}>
                      {r.effect === 'deduction' ? '−' : '+'}
                      {r.points}
                    </Tag>
                    <Typography.Text delete={r.voided}>
                      {title({ titleZh: r.itemTitleZh, titleEn: r.itemTitleEn })}
                    </Typography.Text>
                    <Typography.Text type="secondary">{r.occurredOn}</Typography.Text>
                  </>
                )}
              </Space>
              <div>
                {t('landlord-scoring.field.reason')}: {a.reason}
              </div>
              {a.decisionNote && (
                <div>
                  {t('landlord-scoring.field.decisionNote')}: {a.decisionNote}
                </div>
              )}
              <Typography.Text type="secondary">
                {new Date(a.filedAt).toLocaleString(t('locale.tag'))}
              </Typography.Text>
              {canReview && a.state === 'pending' && (
                <Space style={{ display: 'flex', marginTop: 8 }}>
                  <Button
                    type="primary"
                    onClick={() => setDeciding({ appeal: a, decision: 'upheld' })}
                    data-testid="ls-appeal-uphold"
                  >
                    {t('landlord-scoring.appeals.uphold')}
                  </Button>
                  <Button
                    danger
                    onClick={() => setDeciding({ appeal: a, decision: 'rejected' })}
                    data-testid="ls-appeal-reject"
                  >
                    {t('landlord-scoring.appeals.reject')}
                  </Button>
                </Space>
              )}
            </Card>
          );
        }}
      />
      <Modal
        open={deciding != null}
        title={
          deciding?.decision === 'upheld'
            ? t('landlord-scoring.appeals.upholdTitle')
            : t('landlord-scoring.appeals.rejectTitle')
        }
        onCancel={() => setDeciding(null)}
        onOk={() => form.submit()}
        confirmLoading={busy}
        destroyOnHidden
      >
        <div data-testid="ls-decision-dialog">
          <Form form={form} layout="vertical" onFinish={decide}>
            <Form.Item
              name="note"
              label={t('landlord-scoring.field.decisionNote')}
              rules={[
                {
                  required: deciding?.decision === 'upheld',
                  whitespace: true,
                  message: t('landlord-scoring.appeals.noteRequired'),
                },
              ]}
            >
              <Input.TextArea id="ls-decision-note" rows={3} maxLength={500} />
            </Form.Item>
          </Form>
        </div>
      </Modal>
    </Card>
  );
}
