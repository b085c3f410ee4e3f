import { isDatabaseUnavailable } from '@civicgrid/db';
import { AppError, fieldIssues } from '@civicgrid/kernel';
import type { FastifyError, FastifyInstance } from 'fastify';

/** Fastify's own client-error codes and the stable codes we answer with instead. */
const FASTIFY_CODES: Record<string, { status: number; code: string; message: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    code: 'body_too_large',
    message: 'the request body is too large',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: 'unsupported_media_type',
    message: 'send application/json',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    code: 'malformed_json',
    message: 'the body is empty but declared JSON',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: {
    status: 400,
    code: 'malformed_json',
    message: 'the body is not valid JSON',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    code: 'bad_request',
    message: 'content-length does not match the body',
  },
  FST_ERR_BAD_URL: { status: 400, code: 'bad_url', message: 'the URL is malformed' },
  FST_JWT_NO_AUTHORIZATION_IN_HEADER: { status: 401, code: 'unauthenticated', message: 'log in first' },
  FST_JWT_AUTHORIZATION_TOKEN_EXPIRED: {
    status: 401,
    code: 'token_expired',
    message: 'the access token has expired; refresh it',
  },
  FST_JWT_AUTHORIZATION_TOKEN_INVALID: {
    status: 401,
    code: 'invalid_token',
    message: 'the access token is not valid',
  },
  FST_JWT_AUTHORIZATION_TOKEN_UNTRUSTED: {
    status: 401,
    code: 'invalid_token',
    message: 'the access token is not valid',
  },
  FST_JWT_BAD_REQUEST: {
    status: 401,
    code: 'invalid_token',
    message: 'the authorization header is malformed',
  },
  FST_JWT_BAD_COOKIE_REQUEST: {
    status: 401,
    code: 'invalid_token',
    message: 'the access token is not valid',
  },
};

/**
 * Every error leaves as `{ statusCode, code, message, details? }`. Client errors say which field and why;
 * anything unexpected is logged with its stack and answered as a bare 500 that reveals nothing.
 */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof AppError) {
      return reply.status(err.statusCode).send({
        statusCode: err.statusCode,
        code: err.code,
        message: err.message,
        ...(err.details ? { details: err.details } : {}),
      });
    }
    if (err.validation) {
      const details = fieldIssues(err.validation as never, err.validationContext ?? 'body');
      return reply.status(400).send({
        statusCode: 400,
        code: 'validation_failed',
        message: details.map((d) => `${d.field}: ${d.reason}`).join('; '),
        details,
      });
    }
    const known = err.code ? FASTIFY_CODES[err.code] : undefined;
    if (known)
      return reply
        .status(known.status)
        .send({ statusCode: known.status, code: known.code, message: known.message });
    if (err.statusCode === 429) {
      return reply.status(429).send({ statusCode: 429, code: 'rate_limited', message: err.message });
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return reply
        .status(err.statusCode)
        .send({ statusCode: err.statusCode, code: 'bad_request', message: 'the request is malformed' });
    }
    // Postgres input errors reaching here mean a check we missed; still the client's input, never a 500.
    const pgCode = (err as unknown as { code?: string }).code;
    if (pgCode === '22P02' || pgCode === '22001' || pgCode === '23514' || pgCode === '22021') {
      req.log.warn({ err }, 'database rejected input');
      return reply
        .status(400)
        .send({ statusCode: 400, code: 'invalid_value', message: 'a value is not acceptable' });
    }
    // The database is down or restarting: say so at once (no request waits on it), and when to retry.
    if (isDatabaseUnavailable(err)) {
      req.log.warn({ err: err.message }, 'database unavailable');
      return reply.status(503).header('retry-after', '2').send({
        statusCode: 503,
        code: 'database_unavailable',
        message: 'the database cannot be reached right now; try again in a moment',
      });
    }
    req.log.error({ err }, 'unhandled error');
    return reply
      .status(500)
      .send({ statusCode: 500, code: 'internal_error', message: 'something went wrong on our side' });
  });
  app.setNotFoundHandler((req, reply) =>
    reply.status(404).send({
      statusCode: 404,
      code: 'route_not_found',
      message: `no route ${req.method} ${req.url.split('?')[0]}`,
    }),
  );
}
