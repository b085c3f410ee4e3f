/** One field that failed validation, in the shape every 4xx body carries under `details`. */
export interface FieldIssue {
  field: string;
  reason: string;
}

/**
 * An error the user may see: a stable `code`, an HTTP status and a message in plain words. Anything
 * else that escapes a handler is logged and answered as a generic 500 without its text.
 */
export class AppError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: FieldIssue[],
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const badInput = (field: string, reason: string): AppError =>
  new AppError(400, 'validation_failed', `${field}: ${reason}`, [{ field, reason }]);

export const notFound = (what: string): AppError => new AppError(404, 'not_found', `${what} not found`);

export const forbidden = (message = 'you do not have permission for this'): AppError =>
  new AppError(403, 'forbidden', message);

export const conflict = (code: string, message: string, field?: string): AppError =>
  new AppError(409, code, message, field ? [{ field, reason: message }] : undefined);
