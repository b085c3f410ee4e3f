export { AppError, badInput, conflict, type FieldIssue, forbidden, notFound } from './errors.ts';
