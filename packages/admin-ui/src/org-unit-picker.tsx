import { api, session } from '@civicgrid/admin-kit';
import { useTranslate } from '@refinedev/core';
import { TreeSelect } from 'antd';
import { useEffect, useState } from 'react';

export interface OrgUnit {
  id: string;
  parentId: string | null;
  kind: string;
  name: string;
  code: string | null;
  ancestorIds: string[];
  gridTier: string | null;
  gridType: string | null;
  householdCount: number | null;
  boundary: unknown;
  childCount: number;
  createdAt: string;
  updatedAt: string;
}

export const childrenOf = (parentId: string) =>
  api<OrgUnit[]>('/org-units', { query: { parentId, _end: 500, _sort: 'name' } });

/**
 * The tops of the user's own tree: the units she holds grants on, minus those under another of them
 * (a street admin's tree starts at her street; the tenant admin's at the city).
 */
export async function scopeRoots(): Promise<OrgUnit[]> {
  const me = await session.load();
  const ids = [...new Set(me.grants.map((g) => g.orgUnitId))];
  const units = (
    await Promise.all(ids.map((id) => api<OrgUnit>(`/org-units/${id}`).catch(() => null)))
  ).filter((u): u is OrgUnit => u != null);
  return units.filter((u) => !units.some((o) => o.id !== u.id && u.ancestorIds.includes(o.id)));
}

interface Node {
  id: string;
  pId: string | null;
  value: string;
  title: string;
  isLeaf: boolean;
}
const node = (u: OrgUnit, parent: string | null): Node => ({
  id: u.id,
  pId: parent,
  value: u.id,
  title: u.name,
  isLeaf: u.childCount === 0,
});

/**
 * An org unit chosen from the user's own tree, children loaded as she expands it; typing searches the
 * server (names, in her scope), so a unit deep in the tree needs no expanding. One id, or ids with
 * `multiple`; `onRoots` hands the caller the tops of her tree once they are loaded.
 */
export function OrgUnitPicker(props: {
  value?: string | string[];
  onChange?: (v: string) => void;
  id?: string;
  multiple?: boolean;
  placeholder?: string;
  onRoots?: (roots: OrgUnit[]) => void;
}) {
  const t = useTranslate();
  const [nodes, setNodes] = useState<Node[]>([]);
  const [hits, setHits] = useState<Node[] | null>(null);
  const { onRoots } = props;
  useEffect(() => {
    void scopeRoots().then((roots) => {
      setNodes(roots.map((u) => node(u, null)));
      onRoots?.(roots);
    });
  }, [onRoots]);
  return (
    <TreeSelect
      id={props.id}
      data-testid="org-unit-picker"
      treeDataSimpleMode
      multiple={props.multiple}
      showSearch
      filterTreeNode={false}
      onSearch={async (q) =>
        setHits(
          q.trim()
            ? (await api<OrgUnit[]>('/org-units', { query: { q: q.trim(), _end: 50 } })).map((u) => ({
                ...node(u, null),
                isLeaf: true,
              }))
            : null,
        )
      }
      onSelect={(v: string) => {
        // A unit found by name stays known by its name once the search is cleared.
        const hit = hits?.find((h) => h.value === v);
        if (hit) setNodes((prev) => (prev.some((n) => n.id === hit.id) ? prev : [...prev, hit]));
        setHits(null);
      }}
      value={props.value as string | undefined}
      onChange={props.onChange}
      placeholder={props.placeholder ?? t('org.pick')}
      treeData={hits ?? nodes}
      loadData={async ({ id }) => {
        const kids = await childrenOf(id as string);
        setNodes((prev) => [
          ...prev.filter((n) => !kids.some((k) => k.id === n.id)),
          ...kids.map((k) => node(k, id as string)),
        ]);
      }}
      style={{ width: '100%' }}
    />
  );
}
