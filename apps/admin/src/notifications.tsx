import type { NotificationProvider } from '@refinedev/core';
import { message } from 'antd';

/**
 * Refine's notifications as antd messages: a small provider of our own, so the login page does not
 * pull @refinedev/antd (and the layout it brings) into its first chunk.
 */
export const notificationProvider: NotificationProvider = {
  open: ({ key, message: text, description, type }) => {
    const content = description ? `${text}: ${description}` : text;
    if (type === 'error') void message.error({ key, content });
    else if (type === 'success') void message.success({ key, content });
    else void message.info({ key, content });
  },
  close: (key) => message.destroy(key),
};
