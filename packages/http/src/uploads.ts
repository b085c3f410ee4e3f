import { Readable } from 'node:stream';
import { AppError, type ObjectStorage, ObjectTooLargeError, type StoredObject } from '@civicgrid/kernel';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/**
 * Files uploaded to a plugin's route as the raw request body (photos, documents) and served back:
 * the one code path every module uses (events' attachments, landlord-scoring's evidence photos). The
 * type is told by the file's first bytes (the header only has to agree), the size is capped — a
 * declared length over the cap is refused before reading, a body passing it mid-way is cut off by the
 * storage's `maxBytes` — and a refused file leaves nothing stored. Refusals are 4xx naming `file`.
 */

export interface UploadKind {
  type: string;
  ext: string;
  /** words for the refusal: "a JPEG photo" */
  label: string;
  test(head: Buffer): boolean;
}

export const UPLOAD_KINDS: readonly UploadKind[] = [
  {
    type: 'image/jpeg',
    ext: 'jpg',
    label: 'JPEG',
    test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  },
  {
    type: 'image/png',
    ext: 'png',
    label: 'PNG',
    test: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  },
  {
    type: 'image/webp',
    ext: 'webp',
    label: 'WebP',
    test: (b) => b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP',
  },
  {
    type: 'image/heic',
    ext: 'heic',
    label: 'HEIC',
    test: (b) =>
      b.toString('latin1', 4, 8) === 'ftyp' &&
      ['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1'].includes(b.toString('latin1', 8, 12)),
  },
  { type: 'application/pdf', ext: 'pdf', label: 'PDF', test: (b) => b.toString('latin1', 0, 5) === '%PDF-' },
];
/** The photo kinds only (no PDF). */
export const PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/heic'] as const;

/** Headers a client may send: the kinds' own, HEIF for HEIC, and "I don't know" (octet-stream). */
const DECLARED: Record<string, string | null> = {
  'image/jpeg': 'image/jpeg',
  'image/jpg': 'image/jpeg',
  'image/png': 'image/png',
  'image/webp': 'image/webp',
  'image/heic': 'image/heic',
  'image/heif': 'image/heic',
  'application/pdf': 'application/pdf',
  'application/octet-stream': null,
};
const SNIFF = 16;

export const fileRefused = (status: number, code: string, reason: string) =>
  new AppError(status, code, `file: ${reason}`, [{ field: 'file', reason }]);

/**
 * Lets a plugin's routes take photos and PDFs (and octet-stream) as a raw, unparsed body stream. In the
 * plugin's own encapsulated context: other routes keep their parsers.
 */
export function acceptFileBodies(app: FastifyInstance) {
  for (const type of [/^image\//, 'application/pdf'])
    app.addContentTypeParser(type, (_req, payload, done) => done(null, payload));
  if (!app.hasContentTypeParser('application/octet-stream'))
    app.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));
}

/** Reads the first bytes to tell the type, then hands back a stream of the whole body. */
async function sniff(body: Readable): Promise<{ head: Buffer; stream: Readable }> {
  const it = body[Symbol.asyncIterator]();
  const parts: Buffer[] = [];
  let got = 0;
  let done = false;
  while (got < SNIFF) {
    const n = await it.next();
    if (n.done) {
      done = true;
      break;
    }
    parts.push(n.value as Buffer);
    got += (n.value as Buffer).length;
  }
  const head = Buffer.concat(parts);
  async function* all() {
    yield head;
    if (!done) for (let n = await it.next(); !n.done; n = await it.next()) yield n.value as Buffer;
  }
  return { head, stream: Readable.from(all(), { objectMode: false }) };
}

const listOf = (kinds: readonly UploadKind[]) => {
  const labels = kinds.map((k) => k.label);
  return labels.length > 1 ? `${labels.slice(0, -1).join(', ')} or ${labels.at(-1)}` : labels[0]!;
};

export interface UploadLimits {
  /** the largest file, in MB (a tenant setting) */
  maxMb: number;
  /** the MIME types accepted, of UPLOAD_KINDS (all of them by default) */
  types?: readonly string[];
}

/**
 * Checks the request's body (type by its bytes, size) and stores it under `key` — or throws a 4xx
 * naming `file` with nothing kept — then runs `record` (the row that names the file) and answers what it
 * answers. When `record` fails the stored bytes are deleted again, so storage holds nothing the database
 * does not name.
 */
export async function storeUpload<T>(
  req: FastifyRequest,
  store: ObjectStorage,
  key: string,
  limits: UploadLimits,
  record: (upload: { kind: UploadKind; stored: StoredObject }) => Promise<T>,
): Promise<T> {
  const kinds = UPLOAD_KINDS.filter((k) => !limits.types || limits.types.includes(k.type));
  const what = `a ${listOf(kinds)} file`;
  const unsupported = (reason: string) => fileRefused(415, 'unsupported_media_type', reason);
  const maxBytes = limits.maxMb * 1024 * 1024;
  const tooLarge = () => fileRefused(413, 'body_too_large', `larger than ${limits.maxMb} MB`);
  const declaredType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const declaredKind = DECLARED[declaredType];
  const acceptable = declaredKind === null || kinds.some((k) => k.type === declaredKind);
  if (!(declaredType in DECLARED) || !acceptable || !(req.body instanceof Readable))
    throw unsupported(`send ${what} as the body`);
  if (Number(req.headers['content-length']) > maxBytes) throw tooLarge();
  const { head, stream } = await sniff(req.body);
  if (head.length === 0) throw fileRefused(400, 'validation_failed', 'the body is empty: send the file');
  const kind = kinds.find((k) => k.test(head));
  if (!kind) throw unsupported(`is not ${what}`);
  if (declaredKind && declaredKind !== kind.type)
    throw unsupported(`the content is ${kind.type}, not ${declaredType} as declared`);
  const stored = await store.put(key, stream, { maxBytes }).catch((err) => {
    if (err instanceof ObjectTooLargeError) throw tooLarge();
    throw err;
  });
  try {
    return await record({ kind, stored });
  } catch (err) {
    await store.delete(key).catch(() => undefined);
    throw err;
  }
}

/** A file name as given (`a/b\\c.jpg` → `c.jpg`, control characters out), or `<fallback>.<ext>`. */
export function uploadFileName(given: string | undefined, fallback: string, ext: string): string {
  const base = (given ?? '')
    .split(/[/\\]/)
    .at(-1)!
    .replace(/\p{Cc}/gu, '')
    .trim()
    .slice(0, 200);
  return base || `${fallback}.${ext}`;
}

/**
 * The headers of a stored file served back as a download (`filename*` for non-ASCII names, no
 * sniffing, never cached). The route then returns the stream: Fastify sends it once the wrapper's
 * transaction (with the download's audit row) has committed.
 */
export function fileHeaders(file: { fileName: string; contentType: string; size: number }) {
  const name = file.fileName;
  return {
    'content-type': file.contentType,
    'content-length': String(file.size),
    'content-disposition': `attachment; filename="${name.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`,
    'x-content-type-options': 'nosniff',
    'cache-control': 'private, no-store',
  };
}
