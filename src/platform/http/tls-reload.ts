// Renewing the platform's TLS certificate without a restart: on SIGHUP (reload) and when a periodic look at the files
// finds them changed (by content, key mode and owner, so a renewal that keeps the old mtime is seen too), the pair is
// read and checked (tls-certificates.ts) and only then installed. A renewal tool writes the two files one after the
// other, so a pair read mid-write is tried again a few times before giving up; a pair that never passes is logged with
// why, and the certificate in use stays. A pair refused only because it is not valid yet is tried again at the first
// look after its notBefore. Connections already open keep the context they started with.
import { setTimeout as sleep } from 'node:timers/promises';
import { inBackground, settled } from '../../common/detached.ts';
import {
  CertificateNotValidNow,
  checkCertificatePair,
  describeExpiry,
  readCertificateFiles,
  type CertificateFiles,
  type ServingCertificate,
} from './tls-certificates.ts';

/** The subset of the platform's (pino) logger used here: structured fields, then the message. */
export interface CertificateLog {
  info(details: Record<string, unknown>, message: string): void;
  warn(details: Record<string, unknown>, message: string): void;
  error(details: Record<string, unknown>, message: string): void;
}

/** 'now valid': files tried before and refused only for the time, which has since come. */
export type ReloadTrigger = 'SIGHUP' | 'files changed' | 'now valid';

export interface CertificateReloader {
  /** Reads, checks and installs the files now (retrying a failed read); true when a new certificate was installed. */
  reload(trigger: ReloadTrigger): Promise<boolean>;
  /** The periodic look: reloads when the files differ from what was last tried, and warns when expiry comes near. */
  check(): Promise<void>;
  readonly current: () => ServingCertificate;
  /** Stops the periodic check and any retry under way; nothing is installed afterwards. */
  stop(): void;
}

export interface CertificateReloaderOptions {
  readonly files: CertificateFiles;
  /** The host clients reach the platform at: a renewed certificate must name it (see checkCertificatePair). */
  readonly publicName?: string;
  /** The pair the server started with. */
  readonly initial: ServingCertificate;
  /** Puts a checked pair into service (server.setSecureContext). */
  readonly install: (certificate: ServingCertificate) => void;
  readonly log: CertificateLog;
  /** How often the files are looked at; 0 turns the periodic check off (SIGHUP only). */
  readonly checkIntervalMs: number;
  /** Tries per reload (default 3), this far apart (default 1 s): time for a renewal tool to finish writing both files. */
  readonly attempts?: number;
  readonly retryDelayMs?: number;
  readonly now?: () => Date;
}

/** Logs the certificate in service, with a warning when it expires soon. Used at start, and after each reload. */
export function logCertificateInUse(options: {
  certificate: ServingCertificate;
  log: CertificateLog;
  now: Date;
  message: string;
  extra?: Record<string, unknown>;
}): void {
  const { details, warning } = describeExpiry(options.certificate, options.now);
  options.log.info({ ...options.extra, ...details, names: options.certificate.names }, options.message);
  if (warning !== null) options.log.warn(details, warning);
}

function isWithin(validity: { notBefore: Date; notAfter: Date }, at: Date): boolean {
  return validity.notBefore.getTime() <= at.getTime() && at.getTime() < validity.notAfter.getTime();
}

/** The stamp of files that could not be read: compared like any other, so a missing file is reported once too. */
const UNREADABLE = 'unreadable';

export function startCertificateReloader(options: CertificateReloaderOptions): CertificateReloader {
  const now = options.now ?? (() => new Date());
  const attempts = options.attempts ?? 3;
  const retryDelayMs = options.retryDelayMs ?? 1_000;
  const stopping = new AbortController();
  let current = options.initial;
  // What the periodic look compares against: the last pair tried, installed or not, so a broken pair is reported
  // once rather than at every look; SIGHUP always tries again.
  let lastTried = options.initial.stamp;
  // The last pair tried, when it was refused only for the time (not valid yet, or expired): time alone can make it
  // usable, so the periodic look tries it again once `now` is within its validity, files unchanged or not.
  let awaitingValidity: { stamp: string; notBefore: Date; notAfter: Date } | null = null;
  // The days left when the last warning was given: the periodic look warns again only when the count drops.
  let warnedAtDays = describeExpiry(current, now()).daysLeft;
  // One reload at a time: a SIGHUP during a periodic reload waits for it, then reads the files again.
  let queue: Promise<unknown> = Promise.resolve();

  async function attemptReload(trigger: ReloadTrigger): Promise<boolean> {
    let reason = '';
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      if (stopping.signal.aborted) return false;
      let stamp = UNREADABLE;
      try {
        const content = await readCertificateFiles(options.files).catch((err: unknown) => {
          lastTried = UNREADABLE;
          awaitingValidity = null;
          throw err;
        });
        stamp = content.stamp;
        lastTried = content.stamp;
        awaitingValidity = null;
        if (content.stamp === current.stamp) {
          options.log.info({ trigger, serial: current.serial }, 'The TLS certificate files are the ones in use; nothing to reload.');
          return false;
        }
        const next = checkCertificatePair({
          files: options.files,
          content,
          now: now(),
          ...(options.publicName === undefined ? {} : { publicName: options.publicName }),
        });
        if (stopping.signal.aborted) return false;
        options.install(next);
        current = next;
        warnedAtDays = describeExpiry(next, now()).daysLeft;
        logCertificateInUse({ certificate: next, log: options.log, now: now(), message: 'TLS certificate reloaded.', extra: { trigger } });
        return true;
      } catch (err) {
        reason = (err as Error).message;
        if (err instanceof CertificateNotValidNow) awaitingValidity = { stamp, notBefore: err.notBefore, notAfter: err.notAfter };
      }
      if (attempt < attempts) {
        options.log.info(
          { trigger, attempt, attempts, reason },
          `The TLS certificate files are not usable yet (try ${attempt} of ${attempts}): ${reason} Trying again in ${retryDelayMs} ms.`,
        );
        try {
          await sleep(retryDelayMs, undefined, { signal: stopping.signal });
        } catch {
          return false;
        }
      }
    }
    const { details } = describeExpiry(current, now());
    const later =
      awaitingValidity !== null && options.checkIntervalMs > 0 && awaitingValidity.notBefore.getTime() > now().getTime()
        ? ' The periodic look takes it once it is valid.'
        : '';
    options.log.error(
      { trigger, attempts, reason, inUse: details },
      `The TLS certificate was not reloaded: ${reason} The certificate in use (serial ${current.serial}, valid until ${details.notAfter}) stays.${later}`,
    );
    return false;
  }

  function reload(trigger: ReloadTrigger): Promise<boolean> {
    const run = queue.then(() => attemptReload(trigger));
    queue = settled(run);
    return run;
  }

  async function check(): Promise<void> {
    let stamp: string;
    try {
      stamp = (await readCertificateFiles(options.files)).stamp;
    } catch {
      // Unreadable now (mid-rotation, or gone): a reload tries again and says why.
      stamp = UNREADABLE;
    }
    if (stamp !== lastTried) {
      await reload('files changed');
      return;
    }
    if (awaitingValidity !== null && awaitingValidity.stamp === stamp && isWithin(awaitingValidity, now())) {
      await reload('now valid');
      return;
    }
    const expiry = describeExpiry(current, now());
    if (expiry.warning !== null && expiry.daysLeft < warnedAtDays) {
      warnedAtDays = expiry.daysLeft;
      options.log.warn(expiry.details, expiry.warning);
    }
  }

  let looking = false;
  const timer =
    options.checkIntervalMs > 0
      ? setInterval(() => {
          // A look still under way (a reload retrying) is not overlapped by the next.
          if (looking) return;
          looking = true;
          inBackground(
            check().finally(() => (looking = false)),
            (err) => options.log.error({ err }, 'The TLS certificate files could not be checked.'),
          );
        }, options.checkIntervalMs)
      : undefined;
  timer?.unref();

  return {
    reload,
    check,
    current: () => current,
    stop() {
      stopping.abort();
      if (timer !== undefined) clearInterval(timer);
    },
  };
}
