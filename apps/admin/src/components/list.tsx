import { useTranslate } from '@refinedev/core';
import { Card, type CardProps } from 'antd';
import type { ReactNode } from 'react';

/** A page's frame: its title and actions on top, scrolling tables on a phone. */
export function Page({
  title,
  extra,
  children,
  ...rest
}: { title: ReactNode; extra?: ReactNode; children: ReactNode } & CardProps) {
  return (
    <Card title={title} extra={extra} styles={{ body: { overflowX: 'auto' } }} {...rest}>
      {children}
    </Card>
  );
}

export const useDate = () => {
  const t = useTranslate();
  return (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString(t('locale.tag')) : '—');
};
