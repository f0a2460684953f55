// One libmongocrypt context as the driver's state machine drives it (driver-dropin.md: "context"
// row and the state table). Each step is a plain object; the context only moves between them.
import { FleError } from '@fle-ts/crypto-core';
import { MongoCryptBindingError } from './errors.js';
import type { CredentialsStep, DriverKmsRequest, KmsStep } from './remote-kms.js';
import {
  MONGOCRYPT_CTX_DONE,
  MONGOCRYPT_CTX_ERROR,
  MONGOCRYPT_CTX_NEED_KMS,
  MONGOCRYPT_CTX_NEED_KMS_CREDENTIALS,
  MONGOCRYPT_CTX_READY,
  STATE_NAMES,
  type MongoCryptContextState,
} from './states.js';

/** A step that asks the driver for documents (NEED_MONGO_COLLINFO or NEED_MONGO_KEYS). */
export interface MongoStep {
  readonly state: 1 | 3;
  /** The BSON the driver runs (`listCollections` filter, key-vault filter). */
  readonly operation: Uint8Array;
  /** One reply document (BSON). */
  feed(document: Uint8Array): void;
  /** No more documents: the next step. */
  finish(): Step;
}

/** READY: `finalize` gives the result bytes. */
export interface ReadyStep {
  readonly state: 5;
  finalize(): Uint8Array;
}

export type Step = MongoStep | ReadyStep | KmsStep | CredentialsStep;

/** `{type, code, message}` as the binding reports it (type 0 = OK, 1 = client error). */
export interface MongoCryptStatus {
  readonly type: number;
  readonly code: number;
  readonly message: string;
}

/** The driver's errorWrapper: turns an Error into the driver's own class (MongoCryptError). */
export type ErrorWrapper = (error: Error) => Error;

const OK: MongoCryptStatus = Object.freeze({ type: 0, code: 0, message: '' });
const EMPTY = new Uint8Array(0);

/** Wraps an error for the driver; a non-Error throw becomes an Error with its text. */
export function wrapError(wrapper: ErrorWrapper | undefined, error: unknown): Error {
  const e = error instanceof Error ? error : new MongoCryptBindingError('INVALID_ARGUMENT', String(error));
  return wrapper ? wrapper(e) : e;
}

/** A context: the object `make*Context` returns and the driver's StateMachine walks. */
export class MongoCryptContext {
  /** Set by the driver for its own logging (auto_encrypter.ts). */
  id?: number;
  /** Set by the driver: the namespace `listCollections` runs in. */
  ns?: string;
  /** Set by the driver: the command being encrypted. */
  document?: unknown;

  #step: Step | undefined;
  #kmsIndex = 0;
  #state: MongoCryptContextState;
  #status: MongoCryptStatus = OK;
  readonly #wrap: ErrorWrapper | undefined;

  /**
   * `first` is the first step, or the error that stopped the context before it started (then
   * the context starts in ERROR: what libmongocrypt's C API reports, for drivers without an
   * errorWrapper).
   */
  constructor(first: Step | { readonly error: unknown }, errorWrapper: ErrorWrapper | undefined) {
    this.#wrap = errorWrapper;
    if ('error' in first) {
      this.#state = MONGOCRYPT_CTX_ERROR;
      this.#status = statusOf(first.error);
    } else {
      this.#step = first;
      this.#state = first.state;
    }
  }

  /** The current state (the driver re-reads it after every call). */
  get state(): MongoCryptContextState {
    return this.#state;
  }

  /** OK, or the error that moved the context to ERROR. */
  get status(): MongoCryptStatus {
    return this.#status;
  }

  /** The BSON the driver is to run in NEED_MONGO_COLLINFO / NEED_MONGO_KEYS. */
  nextMongoOperation(): Uint8Array {
    return this.#guard(() => this.#mongoStep('nextMongoOperation').operation, EMPTY);
  }

  /** One document of the operation's reply. */
  addMongoOperationResponse(document: Uint8Array): void {
    this.#guard(() => this.#mongoStep('addMongoOperationResponse').feed(document), undefined);
  }

  /** The operation's reply is complete. */
  finishMongoOperation(): void {
    this.#guard(() => {
      this.#move(this.#mongoStep('finishMongoOperation').finish());
    }, undefined);
  }

  /** NEED_KMS: the next request for the driver to send, or null when all were handed out. */
  nextKMSRequest(): DriverKmsRequest<unknown> | null {
    const step = this.#step;
    if (this.#state !== MONGOCRYPT_CTX_ERROR && step?.state === MONGOCRYPT_CTX_NEED_KMS) return step.requests[this.#kmsIndex++] ?? null;
    return null;
  }

  /** NEED_KMS: every answer is in; the payloads are parsed (a KMS error moves to ERROR). */
  finishKMSRequests(): void {
    this.#guard(() => {
      const step = this.#step;
      if (step?.state !== MONGOCRYPT_CTX_NEED_KMS) return this.#wrongState('finishKMSRequests');
      this.#move((step as KmsStep).finish());
    }, undefined);
  }

  /** NEED_KMS_CREDENTIALS: the driver's refreshed kmsProviders (BSON) for the `{}` entries. */
  provideKMSProviders(kmsProviders: Uint8Array): void {
    this.#guard(() => {
      const step = this.#step;
      if (step?.state !== MONGOCRYPT_CTX_NEED_KMS_CREDENTIALS) return this.#wrongState('provideKMSProviders');
      this.#move((step as CredentialsStep).provide(kmsProviders));
    }, undefined);
  }

  #move(next: Step): void {
    this.#step = next;
    this.#state = next.state;
    this.#kmsIndex = 0;
  }

  /** READY: the result as BSON; the context is DONE afterwards. */
  finalize(): Uint8Array {
    return this.#guard(() => {
      const step = this.#step;
      if (step?.state !== MONGOCRYPT_CTX_READY) return this.#wrongState('finalize');
      const out = step.finalize();
      this.#step = undefined;
      this.#state = MONGOCRYPT_CTX_DONE;
      return out;
    }, EMPTY);
  }

  #mongoStep(method: string): MongoStep {
    const step = this.#step;
    if (step === undefined || (step.state !== 1 && step.state !== 3)) return this.#wrongState(method);
    return step;
  }

  #wrongState(method: string): never {
    throw new MongoCryptBindingError('WRONG_STATE', `${method} is not allowed in state ${STATE_NAMES[this.#state]}`);
  }

  // An error moves the context to ERROR for good. With an errorWrapper (driver 7, binding 7.x)
  // it is thrown through it; without one (driver 6) the call returns and the driver's state
  // machine reads ERROR and throws its MongoCryptError(status.message), as with libmongocrypt's
  // C API (a call fails, the status holds the message). Calls in ERROR then do nothing.
  #guard<T>(fn: () => T, empty: T): T {
    if (this.#state === MONGOCRYPT_CTX_ERROR) {
      if (this.#wrap) throw wrapError(this.#wrap, new MongoCryptBindingError('WRONG_STATE', `context is in ERROR: ${this.#status.message}`));
      return empty;
    }
    try {
      return fn();
    } catch (error) {
      const wrongState = error instanceof MongoCryptBindingError && error.code === 'WRONG_STATE';
      if (!wrongState) {
        this.#step = undefined;
        this.#state = MONGOCRYPT_CTX_ERROR;
        this.#status = statusOf(error);
      }
      if (this.#wrap || wrongState) throw wrapError(this.#wrap, error);
      return empty;
    }
  }
}

function statusOf(error: unknown): MongoCryptStatus {
  return { type: 1, code: FleError.isFleError(error) ? 1 : 2, message: error instanceof Error ? error.message : String(error) };
}

/** A context that is READY at once (data keys, pass-through commands, replies without ciphertext). */
export function readyStep(finalize: () => Uint8Array): ReadyStep {
  return { state: MONGOCRYPT_CTX_READY, finalize };
}
