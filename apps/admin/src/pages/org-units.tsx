import { api, apiRaw, may } from '@civicgrid/admin-kit';
import { childrenOf, type OrgUnit, scopeRoots, useErrorText, useMe } from '@civicgrid/admin-ui';
import { useTranslate } from '@refinedev/core';
import { App, Card, Col, Descriptions, Empty, Input, List, Row, Tree, Typography } from 'antd';
import type { DataNode } from 'antd/es/tree';
import { lazy, Suspense, useCallback, useEffect, useState } from 'react';

// The map (ECharts) is its own chunk, loaded when a unit is selected.
const GridMap = lazy(() => import('./org-map.tsx'));

type TreeNode = DataNode & { unit: OrgUnit; children?: TreeNode[] };

const toNode = (u: OrgUnit): TreeNode => ({ key: u.id, title: u.name, isLeaf: u.childCount === 0, unit: u });

function replaceChildren(nodes: TreeNode[], key: string, children: TreeNode[]): TreeNode[] {
  return nodes.map((n) =>
    n.key === key
      ? { ...n, children }
      : n.children
        ? { ...n, children: replaceChildren(n.children, key, children) }
        : n,
  );
}

/** A count from a list's `x-total-count` (capped by the API at 1,000: shown as "1000+"). */
async function countOf(path: string, query: Record<string, string>): Promise<string> {
  const res = await apiRaw(path, { query: { ...query, _start: 0, _end: 1 } });
  const n = res.headers.get('x-total-count') ?? '0';
  return res.headers.get('x-total-count-capped') === 'true' ? `${n}+` : n;
}

/**
 * The org tree from the user's own top units down, expanded on demand; a search over names; per-unit
 * details with counts; dragging a unit onto another re-zones it (where she holds core.org-unit.move).
 */
export default function OrgUnitsPage() {
  const t = useTranslate();
  const me = useMe();
  const { message, modal } = App.useApp();
  const errorText = useErrorText();
  const [tree, setTree] = useState<TreeNode[]>([]);
  const [loaded, setLoaded] = useState<string[]>([]);
  const [expanded, setExpanded] = useState<string[]>([]);
  const [selected, setSelected] = useState<OrgUnit | null>(null);
  const [counts, setCounts] = useState<Record<string, string>>({});
  const [hits, setHits] = useState<OrgUnit[] | null>(null);

  const reload = useCallback(() => {
    setLoaded([]);
    void scopeRoots().then((roots) => setTree(roots.map(toNode)));
  }, []);
  useEffect(reload, [reload]);

  useEffect(() => {
    if (!selected) return;
    setCounts({});
    const q = { under: selected.id };
    void Promise.all([countOf('/users', q).catch(() => '—'), countOf('/residents', q).catch(() => '—')]).then(
      ([users, residents]) => setCounts({ users: users!, residents: residents! }),
    );
  }, [selected]);

  const loadData = async (n: TreeNode) => {
    const kids = await childrenOf(n.unit.id);
    setTree((prev) => replaceChildren(prev, n.unit.id, kids.map(toNode)));
    setLoaded((l) => [...l, n.unit.id]);
  };

  const canMove = (u: OrgUnit) => may(me, 'core.org-unit.move', u.ancestorIds);

  return (
    <Row gutter={[16, 16]}>
      <Col xs={24} md={12}>
        <Card title={t('org.title')}>
          <Input.Search
            placeholder={t('org.search')}
            allowClear
            id="org-search"
            onSearch={async (q) =>
              setHits(q ? await api<OrgUnit[]>('/org-units', { query: { q, _end: 50 } }) : null)
            }
            style={{ marginBottom: 12 }}
          />
          {hits && (
            <List
              size="small"
              bordered
              style={{ marginBottom: 12 }}
              dataSource={hits}
              locale={{ emptyText: t('common.noData') }}
              renderItem={(u) => (
                <List.Item onClick={() => setSelected(u)} style={{ cursor: 'pointer' }}>
                  {u.name} <Typography.Text type="secondary">{t(`org.kind.${u.kind}`)}</Typography.Text>
                </List.Item>
              )}
            />
          )}
          <Tree<TreeNode>
            data-testid="org-tree"
            treeData={tree}
            loadData={loadData}
            loadedKeys={loaded}
            expandedKeys={expanded}
            onExpand={(keys) => setExpanded(keys as string[])}
            onSelect={(_, { node }) => setSelected(node.unit)}
            draggable={{ icon: false, nodeDraggable: (n) => canMove((n as TreeNode).unit) }}
            allowDrop={({ dropNode, dropPosition }) =>
              dropPosition === 0 && dropNode.unit.kind !== 'building'
            }
            onDrop={({ dragNode, node, dropToGap }) => {
              if (dropToGap) return;
              const names = { name: dragNode.unit.name, parent: node.unit.name };
              // Re-zoning changes who sees the unit's records: a stray drag must not do it unasked.
              modal.confirm({
                title: t('org.moveConfirm', names),
                content: t('org.moveHint'),
                okText: t('org.move'),
                cancelText: t('buttons.cancel'),
                okButtonProps: { 'data-testid': 'org-move-ok' } as never,
                onOk: async () => {
                  try {
                    await api(`/org-units/${dragNode.unit.id}/move`, {
                      method: 'POST',
                      body: { parentId: node.unit.id },
                    });
                    void message.success(t('org.moved', names));
                    setExpanded([]);
                    reload();
                  } catch (err) {
                    void message.error(errorText(err, 'org.errors'));
                  }
                },
              });
            }}
          />
        </Card>
      </Col>
      <Col xs={24} md={12}>
        <Card title={t('org.details')}>
          {selected ? (
            <Descriptions column={1} size="small" bordered data-testid="org-details">
              <Descriptions.Item label={t('org.name')}>{selected.name}</Descriptions.Item>
              <Descriptions.Item label={t('org.kindLabel')}>
                {t(`org.kind.${selected.kind}`)}
              </Descriptions.Item>
              <Descriptions.Item label={t('org.code')}>{selected.code ?? '—'}</Descriptions.Item>
              {selected.gridType && (
                <Descriptions.Item label={t('org.gridType')}>
                  {t(`org.gridTypes.${selected.gridType}`)}
                </Descriptions.Item>
              )}
              {selected.householdCount != null && (
                <Descriptions.Item label={t('org.households')}>{selected.householdCount}</Descriptions.Item>
              )}
              <Descriptions.Item label={t('org.children')}>{selected.childCount}</Descriptions.Item>
              <Descriptions.Item label={t('org.users')}>{counts.users ?? '…'}</Descriptions.Item>
              <Descriptions.Item label={t('org.residents')}>{counts.residents ?? '…'}</Descriptions.Item>
            </Descriptions>
          ) : (
            <Empty description={t('org.selectHint')} />
          )}
        </Card>
        {selected && (
          <Card title={t('org.map')} style={{ marginTop: 16 }}>
            <Suspense fallback={null}>
              <GridMap unit={selected} />
            </Suspense>
          </Card>
        )}
      </Col>
    </Row>
  );
}
