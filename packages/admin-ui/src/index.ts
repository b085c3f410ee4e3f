export { saveBlob } from './download.ts';
export { errorText, useErrorText } from './errors.ts';
export { useIsPhone, useMe } from './hooks.ts';
export { childrenOf, type OrgUnit, OrgUnitPicker, scopeRoots } from './org-unit-picker.tsx';
export { AuthImage, PhotoPicker, uploadFiles } from './photos.tsx';
export { type CardContent, CardLines, type ListPaging, ResponsiveList } from './responsive-list.tsx';
