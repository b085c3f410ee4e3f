/** The admin's antd theme (Party red as the primary colour). */
export const THEME = { token: { colorPrimary: '#c41d1d' } };
