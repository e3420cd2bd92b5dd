/**
 * Every error ichscan raises on purpose has a code (`ICH_E_*`), a message template and an
 * HTTP status for the future service (fastify style). Raise with `ichError(code, detail, {file})`;
 * test with `isIchError`. A test checks that the table, the docs and the codes agree.
 */
export const ERROR_CODES = {
  ICH_E_USAGE: { status: 400, message: 'Invalid command-line usage' },
  ICH_E_FILE_NOT_FOUND: { status: 404, message: 'File or directory not found' },
  ICH_E_FILE_READ: { status: 500, message: 'File could not be read' },
  ICH_E_OUTPUT_EXISTS: { status: 409, message: 'Output already exists and would be overwritten' },
  ICH_E_NOT_DICOM: { status: 415, message: 'Not a DICOM file' },
  ICH_E_TRUNCATED: { status: 422, message: 'DICOM file is truncated' },
  ICH_E_BAD_TAG: { status: 422, message: 'DICOM attribute is missing or malformed' },
  ICH_E_NO_PIXEL_DATA: { status: 422, message: 'DICOM file has no pixel data' },
  ICH_E_UNSUPPORTED_SYNTAX: { status: 415, message: 'Transfer syntax is not supported' },
  ICH_E_UNSUPPORTED_IMAGE: { status: 415, message: 'Image type is not supported (e.g. colour or float pixels)' },
  ICH_E_BAD_DIMENSIONS: { status: 422, message: 'Image dimensions are absent, zero or implausibly large' },
  ICH_E_DECODE: { status: 422, message: 'Pixel data could not be decoded' },
  ICH_E_BAD_WINDOW: { status: 400, message: 'Window specification is invalid' },
  ICH_E_CACHE_FORMAT: { status: 422, message: 'Tensor cache file is malformed' },
  ICH_E_BAD_LABELS: { status: 422, message: 'Label file is malformed' },
  ICH_E_INDEX: { status: 500, message: 'Dataset index error' },
  ICH_E_EMPTY_DATASET: { status: 422, message: 'No usable images were found' },
  ICH_E_MODEL_NOT_FOUND: { status: 404, message: 'Model not found' },
  ICH_E_MODEL_FORMAT: { status: 422, message: 'Model file is malformed or unsupported' },
  ICH_E_BACKEND_UNAVAILABLE: { status: 503, message: 'Compute backend is not available' },
  ICH_E_TORCH_KERNEL: { status: 500, message: 'A torch-backend kernel failed or does not support its input' },
  ICH_E_CHECKPOINT: { status: 500, message: 'Checkpoint could not be written or read' },
  ICH_E_EXPORT: { status: 500, message: 'Model could not be exported' },
  ICH_E_STUDY_INCONSISTENT: { status: 422, message: 'Slices of one study disagree on patient, study or series attributes' },
  ICH_E_NO_GEOMETRY: { status: 422, message: 'Slice lacks plane geometry (position, orientation or pixel spacing)' },
  ICH_E_MIXED_ORIENTATION: { status: 422, message: 'Slices of one series have different orientations or pixel spacings' },
  ICH_E_UNAUTHORIZED: { status: 401, message: 'Missing or invalid bearer token' },
  ICH_E_FORBIDDEN: { status: 403, message: 'This token may only read' },
  ICH_E_STUDY_NOT_FOUND: { status: 404, message: 'Study not known to the service' },
  ICH_E_TOO_LARGE: { status: 413, message: 'Request body or DICOM instance exceeds the configured size limit' },
  ICH_E_BAD_MEDIA_TYPE: { status: 415, message: 'Request media type is not supported' },
  ICH_E_TOO_MANY: { status: 429, message: 'Instances-per-study or queued-studies limit reached' },
  ICH_E_NO_SERIES: { status: 422, message: 'No series of the study qualifies for scoring' },
  ICH_E_DELIVERY: { status: 502, message: 'Results could not be delivered to a destination' },
  ICH_E_QUEUE: { status: 503, message: 'Job queue is unavailable' },
  ICH_E_CONFIG: { status: 400, message: 'Service configuration is invalid' },
  ICH_E_VIEWER_NOT_BUILT: { status: 503, message: 'The browser viewer is not built (run npm run build)' },
  ICH_E_INTERNAL: { status: 500, message: 'Internal error' },
} as const satisfies Record<string, { status: number; message: string }>;

export type IchErrorCode = keyof typeof ERROR_CODES;

export interface IchErrorOptions {
  /** The file the problem is about; shown in the message and kept as a field. */
  file?: string;
  cause?: unknown;
}

export class IchError extends Error {
  readonly code: IchErrorCode;
  readonly status: number;
  readonly file: string | undefined;
  readonly detail: string | undefined;

  constructor(code: IchErrorCode, detail?: string, options: IchErrorOptions = {}) {
    const base = ERROR_CODES[code].message;
    const where = options.file ? `${options.file}: ` : '';
    super(`${where}${base}${detail ? `: ${detail}` : ''}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'IchError';
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.file = options.file;
    this.detail = detail;
  }

  toJSON(): { code: IchErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

export function ichError(code: IchErrorCode, detail?: string, options?: IchErrorOptions): IchError {
  return new IchError(code, detail, options);
}

export function isIchError(e: unknown, code?: IchErrorCode): e is IchError {
  return e instanceof IchError && (code === undefined || e.code === code);
}

/**
 * Turn anything thrown (libraries throw strings and plain objects, e.g. dicom-parser) into an
 * IchError with the given fallback code, keeping an existing IchError as it is.
 */
export function toIchError(e: unknown, fallback: IchErrorCode, file?: string): IchError {
  if (e instanceof IchError) return e;
  const raw = e instanceof Error ? e.message : typeof e === 'string' ? e : safeStringify(e);
  // Library messages (codecs especially) can span lines; one line keeps tables and logs readable.
  const text = raw.replace(/\s*\n\s*/g, ' ').trim();
  return new IchError(fallback, text, { ...(file === undefined ? {} : { file }), cause: e });
}

function safeStringify(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
