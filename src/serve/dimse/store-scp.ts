/**
 * The C-STORE / C-ECHO SCP (dcmjs-dimse): associations from allowed calling AEs (`allowAe`; empty =
 * any) to our AE title; every storage SOP class in any transfer syntax ichscan decodes; each
 * dataset streamed to a temporary file behind a Part 10 header as its PDUs arrive (never held in
 * memory), then filed by `ingestInstance`. Refusals answer 0xA700 (out of resources: size and
 * count limits) or 0xC000 (cannot understand). With `tls` the port speaks DICOM TLS only
 * (dicom-tls.ts): a sender without a certificate from our CA fails the handshake, counted and
 * logged before any association exists.
 */
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { Writable } from 'node:stream';
import type { Socket } from 'node:net';
import { lookUpTransferSyntax } from '../../dicom/transfer-syntax.js';
import { ingestInstance, tempInstancePath, type IngestContext } from '../ingest-instance.js';
import { buildPart10Header } from './part10-meta.js';
import { dimse } from './dimse-lib.js';
import type { DicomTlsOptions } from './dicom-tls.js';

const { Scp, Server, Dataset } = dimse;
const { CEchoResponse, CStoreResponse } = dimse.responses;
const { PresentationContextResult, RejectResult, RejectSource, RejectReason, SopClass, Status } = dimse.constants;

type ScpRequest = InstanceType<typeof dimse.requests.CStoreRequest>;
type PresentationContext = InstanceType<typeof dimse.association.PresentationContext>;

const STATUS_OUT_OF_RESOURCES = 0xa700;
const STATUS_CANNOT_UNDERSTAND = 0xc000;
const STORAGE_PREFIX = '1.2.840.10008.5.1.4.1.1.';

/** A Writable that appends to a file synchronously and stops keeping bytes past `maxBytes`. */
class InstanceFileWriter extends Writable {
  readonly path: string;
  bytes = 0;
  tooLarge = false;
  private fd: number;

  constructor(path: string, header: Buffer, private readonly maxBytes: number) {
    super();
    this.path = path;
    this.fd = openSync(path, 'w');
    writeSync(this.fd, header);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) this.tooLarge = true;
    try {
      if (!this.tooLarge) writeSync(this.fd, chunk);
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }

  override _final(cb: (e?: Error | null) => void): void {
    closeSync(this.fd);
    cb();
  }
}

export interface StoreScpHandle {
  close(): void;
}

export function startStoreScp(ctx: IngestContext, port: number, host: string, tls?: DicomTlsOptions): StoreScpHandle {
  const { config, metrics, log } = ctx;
  const writers = new WeakMap<object, InstanceFileWriter>();

  class IchscanScp extends Scp {
    constructor(socket: Socket, opts: ConstructorParameters<typeof Scp>[1]) {
      super(socket, opts);
    }

    override associationRequested(association: Parameters<InstanceType<typeof Scp>['associationRequested']>[0]): void {
      const calling = association.getCallingAeTitle().trim();
      const called = association.getCalledAeTitle().trim();
      if (config.allowAe.length > 0 && !config.allowAe.includes(calling)) {
        metrics.associationsRefused++;
        log.warn({ reason: 'calling AE not allowed' }, 'association refused');
        this.sendAssociationReject(RejectResult.Permanent, RejectSource.ServiceUser, RejectReason.CallingAeNotRecognized);
        return;
      }
      if (called !== config.aeTitle) {
        metrics.associationsRefused++;
        log.warn({ reason: 'called AE is not ours' }, 'association refused');
        this.sendAssociationReject(RejectResult.Permanent, RejectSource.ServiceUser, RejectReason.CalledAeNotRecognized);
        return;
      }
      for (const c of association.getPresentationContexts()) {
        const context = association.getPresentationContext(c.id);
        const abstract = context.getAbstractSyntaxUid();
        if (abstract !== SopClass.Verification && !abstract.startsWith(STORAGE_PREFIX)) {
          context.setResult(PresentationContextResult.RejectAbstractSyntaxNotSupported);
          continue;
        }
        const ts = context.getTransferSyntaxUids().find((t) => lookUpTransferSyntax(t) !== undefined);
        if (ts) context.setResult(PresentationContextResult.Accept, ts);
        else context.setResult(PresentationContextResult.RejectTransferSyntaxesNotSupported);
      }
      this.sendAssociationAccept();
    }

    override associationReleaseRequested(): void {
      this.sendAssociationReleaseResponse();
    }

    override cEchoRequest(request: Parameters<InstanceType<typeof Scp>['cEchoRequest']>[0], callback: (r: InstanceType<typeof CEchoResponse>) => void): void {
      const response = CEchoResponse.fromRequest(request);
      response.setStatus(Status.Success);
      callback(response);
    }

    override createStoreWritableStream(context: PresentationContext, request: ScpRequest): Writable {
      const header = buildPart10Header(request.getAffectedSopClassUid(), request.getAffectedSopInstanceUid(), context.getAcceptedTransferSyntaxUid() ?? '');
      const writer = new InstanceFileWriter(tempInstancePath(config.dataDir), header, config.maxInstanceBytes);
      writers.set(request, writer);
      return writer;
    }

    override createDatasetFromStoreWritableStream(writable: Writable, _context: PresentationContext, callback: (dataset: InstanceType<typeof Dataset>) => void): void {
      // the dataset is on disk; the request carries an empty one (nothing is parsed in memory)
      writable.end(() => callback(new Dataset({})));
    }

    override cStoreRequest(request: ScpRequest, callback: (r: InstanceType<typeof CStoreResponse>) => void): void {
      const response = CStoreResponse.fromRequest(request);
      const writer = writers.get(request);
      if (!writer) {
        response.setStatus(STATUS_CANNOT_UNDERSTAND);
        callback(response);
        return;
      }
      if (writer.tooLarge) {
        ingestRefusedTooLarge(ctx, writer.path);
        response.setStatus(STATUS_OUT_OF_RESOURCES);
        callback(response);
        return;
      }
      const outcome = ingestInstance(ctx, writer.path, writer.bytes, 'dimse');
      if (outcome.ok) response.setStatus(Status.Success);
      else response.setStatus(outcome.error.code === 'ICH_E_TOO_MANY' || outcome.error.code === 'ICH_E_TOO_LARGE' ? STATUS_OUT_OF_RESOURCES : STATUS_CANNOT_UNDERSTAND);
      callback(response);
    }
  }

  const server = new Server(IchscanScp);
  server.on('networkError', () => log.warn({}, 'DICOM network error'));
  // dcmjs-dimse 0.3.3 forwards a {port, host} object to net/tls.Server.listen; its typings only take a number
  (server.listen as unknown as (o: { port: number; host: string }, opts: { securityOptions?: DicomTlsOptions }) => void)({ port, host }, tls ? { securityOptions: tls } : {});
  if (tls) {
    // the tls.Server dcmjs-dimse made: a failed handshake never reaches an Scp, so count it here
    const inner = (server as unknown as { server?: { on(ev: 'tlsClientError', fn: (e: Error) => void): void } }).server;
    inner?.on('tlsClientError', (e) => {
      metrics.tlsHandshakesRefused++;
      log.warn({ reason: tlsRefusalReason(e) }, 'DICOM TLS handshake refused');
    });
  }
  return { close: () => server.close() };
}

function ingestRefusedTooLarge(ctx: IngestContext, path: string): void {
  rmSync(path, { force: true });
  ctx.metrics.countRefused('ICH_E_TOO_LARGE');
  ctx.log.warn({ via: 'dimse', code: 'ICH_E_TOO_LARGE' }, 'instance refused');
}

/** A short, PHI-free reason for a refused handshake (OpenSSL's code where it gives one). */
function tlsRefusalReason(e: Error): string {
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  return /certificate/i.test(e.message) ? 'certificate' : 'handshake';
}
